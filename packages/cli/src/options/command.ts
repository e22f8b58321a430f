/**
 * One way to define a command: its flags (FlagSpecs) and what it does. Before the command body runs, every flag
 * is known (a mistyped one is refused with "did you mean"), every value is valid, and the config file with the
 * flags merged in is resolved, so nothing is written on bad input.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { configError, didYouMean } from '@selfj/core';
import { FLAG_SOLUTIONS, addFlags, ownFlagValues, type FlagSpecs, type FlagValues, type OwnFlag } from './flags.js';

/** Flags every command has (defined on the top-level yargs instance). */
export const GLOBAL_FLAGS = ['json', 'quiet', 'q', 'help', 'h', 'version'];

export interface GlobalArgs {
  json: boolean;
  quiet: boolean;
}

export type OwnValues<F extends FlagSpecs> = { [K in keyof F]: F[K] extends OwnFlag<infer S> ? import('zod').output<S> : never };

export interface CommandContext<F extends FlagSpecs> {
  /** The parsed arguments as yargs gave them (raw strings for settings; read settings from the resolved config). */
  args: ArgumentsCamelCase<GlobalArgs & FlagValues<F>>;
  /** The flags that are not config settings, validated and with their defaults. */
  own: OwnValues<F>;
}

export interface CommandDefinition<F extends FlagSpecs> {
  command: string;
  describe: string;
  flags: F;
  /** Extra builder steps (sub-commands, examples). */
  extend?: (y: Argv<GlobalArgs & FlagValues<F>>) => Argv<GlobalArgs & FlagValues<F>>;
  run: (c: CommandContext<F>) => Promise<void>;
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Options yargs produced that no flag declares: typos like --target-rsk. */
export function unknownFlags(args: Record<string, unknown>, flags: FlagSpecs): string[] {
  const known = new Set<string>(['_', '$0', ...GLOBAL_FLAGS]);
  for (const [name, f] of Object.entries(flags)) {
    known.add(name).add(camel(name));
    if (f.alias) known.add(f.alias);
  }
  return Object.keys(args).filter((k) => !known.has(k) && !known.has(camel(k)));
}

export function defineCommand<F extends FlagSpecs>(def: CommandDefinition<F>): CommandModule<GlobalArgs, GlobalArgs & FlagValues<F>> {
  return {
    command: def.command,
    describe: def.describe,
    builder: (y) => {
      const withFlags = addFlags(y, def.flags);
      return def.extend ? def.extend(withFlags) : withFlags;
    },
    handler: async (args) => {
      const raw = args as unknown as Record<string, unknown>;
      // yargs' own strict check runs after an async handler has started; this one runs first.
      const found = unknownFlags(raw, def.flags);
      // yargs stores --target-rsk twice (target-rsk and targetRsk): report the spelling the user typed.
      const unknown = found.filter((k) => k === k.toLowerCase() || !found.some((o) => o !== k && camel(o) === k));
      if (unknown.length) {
        const names = Object.keys(def.flags);
        throw configError(
          'The command line',
          unknown.map((k) => {
            const hint = didYouMean(k, names);
            return `--${k}: unknown flag for \`selfj ${def.command.split(' ')[0]}\`${hint ? ` (did you mean --${hint}?)` : ''}`;
          }),
          FLAG_SOLUTIONS,
        );
      }
      await def.run({ args, own: ownFlagValues(raw, def.flags) as OwnValues<F> });
    },
  };
}
