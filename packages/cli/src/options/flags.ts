/**
 * Command-line flags from the config schema. A flag either overrides a config setting (`{ setting:
 * "calibrate.targetRisk" }`: its type, description and rules come from the schema, and its value is merged into
 * the config and validated with it) or stands on its own with a zod schema (`{ schema: z.number()... }`). Either
 * way every flag is checked before a command does any work, and a problem names the flag the user typed.
 */
import type { Argv, Options, PositionalOptions } from 'yargs';
import { z } from 'zod';
import { configError, describeIssues, resolveConfig, settingSchema, unwrapSchema, type SelfjConfig } from '@selfj/core';

export const FLAG_SOLUTIONS = ['Fix the flags listed above', 'See the accepted values with `selfj <command> --help`'];

/** Dotted paths of every leaf setting of the config ("calibrate.targetRisk"). */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[] | null | undefined | string | number | boolean
    ? `${P}${K}`
    : T[K] extends Record<string, unknown>
      ? Leaves<T[K], `${P}${K}.`> | `${P}${K}`
      : `${P}${K}`;
}[keyof T & string];
export type ConfigPath = Exclude<Leaves<SelfjConfig>, '$schema'>;

type ValueAt<T, P extends string> = P extends `${infer K}.${infer R}` ? (K extends keyof T ? ValueAt<NonNullable<T[K]>, R> : never) : P extends keyof T ? T[P] : never;

export interface SettingFlag<P extends ConfigPath = ConfigPath> {
  setting: P;
  /** Replaces the schema's description (e.g. to say what the flag defaults to in this command). */
  describe?: string;
  alias?: string;
}

export interface OwnFlag<S extends z.ZodType = z.ZodType> {
  schema: S;
  describe: string;
  alias?: string;
  /** The flag must be given. */
  demand?: boolean;
  /** Shown in --help; the schema's default is what applies. */
  positional?: boolean;
}

export type FlagSpec = SettingFlag | OwnFlag;
export type FlagSpecs = Record<string, FlagSpec>;

/** The parsed value type of each flag: a setting's type (undefined when not given) or the schema's output. */
export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]: F[K] extends SettingFlag<infer P> ? ValueAt<SelfjConfig, P> | undefined : F[K] extends OwnFlag<infer S> ? z.output<S> : never;
};

const isSetting = (f: FlagSpec): f is SettingFlag => 'setting' in f;

function schemaOf(f: FlagSpec): z.ZodType {
  if (!isSetting(f)) return f.schema;
  const s = settingSchema(f.setting);
  if (!s) throw new Error(`internal: no config setting ${f.setting}`);
  return s;
}

/**
 * What yargs should parse a flag as. Numbers get no yargs type: yargs then reads "0.5" as a number and leaves "abc"
 * as text, so a bad value reaches the schema as typed (a yargs number type would turn it into NaN).
 */
function yargsType(s: z.ZodType): Pick<Options, 'type' | 'array' | 'choices'> & { hint?: string } {
  const inner = unwrapSchema(s) as z.ZodType & { _zod: { def: { type: string; element?: z.ZodType; entries?: Record<string, string>; format?: string } } };
  const t = inner._zod.def.type;
  if (t === 'boolean') return { type: 'boolean' };
  if (t === 'array') return { type: 'string', array: true };
  if (t === 'enum') return { type: 'string', choices: Object.values(inner._zod.def.entries ?? {}) };
  if (t === 'number') return { hint: inner._zod.def.format === 'safeint' ? '[integer]' : '[number]' };
  if (t === 'tuple') return { hint: '[low,high]' };
  return { type: 'string' };
}

/** Numbers, booleans, null and arrays typed on the command line, read the way the schema expects them. */
function coerceFor(s: z.ZodType): (v: unknown) => unknown {
  const inner = unwrapSchema(s) as z.ZodType & { _zod: { def: { type: string } } };
  const t = inner._zod.def.type;
  const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);
  if (t === 'number' || t === 'int') return num;
  if (t === 'tuple') return (v) => (typeof v === 'string' ? v.split(',').map((x) => num(x.trim())) : v);
  if (t === 'nullable' || (s as { _zod: { def: { type: string } } })._zod.def.type === 'nullable') return (v) => (v === 'null' || v === 'none' ? null : num(v));
  return (v) => v;
}

function isNullable(s: z.ZodType): boolean {
  return s.safeParse(null).success;
}

/** Adds the flags to a yargs command (types from the schema); the result type carries every flag's value type. */
export function addFlags<T, F extends FlagSpecs>(y: Argv<T>, flags: F): Argv<T & FlagValues<F>> {
  for (const [name, f] of Object.entries(flags)) {
    const s = schemaOf(f);
    const { hint, ...parse } = yargsType(s);
    const opt: Options = { ...parse, describe: `${f.describe ?? s.description ?? ''}${isSetting(f) ? settingDefault(s) : ''}${hint ? ` ${hint}` : ''}` };
    if (f.alias) opt.alias = f.alias;
    if (!isSetting(f) && f.demand) opt.demandOption = true;
    if (isSetting(f)) opt.describe = `${opt.describe} [config: ${f.setting}]`;
    y = (!isSetting(f) && f.positional ? y.positional(name, opt as PositionalOptions) : y.option(name, opt)) as Argv<T>;
  }
  return y as Argv<T & FlagValues<F>>;
}

/** "; default X" for a setting whose schema has a default (what applies when neither the flag nor the config sets it). */
function settingDefault(s: z.ZodType): string {
  const d = s.safeParse(undefined);
  if (!d.success || d.data === undefined || d.data === null || typeof d.data === 'object') return '';
  return `; default ${String(d.data)}`;
}

/** The raw value of a flag as yargs stored it (undefined when not given). */
function raw(args: Record<string, unknown>, name: string): unknown {
  return args[name];
}

/** Setting overrides from the flags that map to config settings, by path, and the flag name of each path. */
export function settingOverrides(args: Record<string, unknown>, flags: FlagSpecs): { overrides: Record<string, unknown>; flagNames: Record<string, string> } {
  const overrides: Record<string, unknown> = {};
  const flagNames: Record<string, string> = {};
  for (const [name, f] of Object.entries(flags)) {
    if (!isSetting(f)) continue;
    const v = raw(args, name);
    if (v === undefined) continue;
    const s = schemaOf(f);
    overrides[f.setting] = isNullable(s) && (v === 'null' || v === 'none') ? null : coerceFor(s)(v);
    flagNames[f.setting] = `--${name}`;
  }
  return { overrides, flagNames };
}

/** The config (file + flag overrides) validated as one: a problem names the flag when a flag set it. */
export function configWithFlags(file: unknown, source: string, args: Record<string, unknown>, flags: FlagSpecs): SelfjConfig {
  const { overrides, flagNames } = settingOverrides(args, flags);
  return resolveConfig(file, { source, overrides, flagNames });
}

/** The values of the flags that stand on their own, parsed by their schemas; every problem at once. */
export type OwnFlagValues<F extends FlagSpecs> = { [K in keyof F]: F[K] extends OwnFlag<infer S> ? z.output<S> : never };

export function ownFlagValues<F extends FlagSpecs>(args: Record<string, unknown>, flags: F): OwnFlagValues<F> {
  const shape: Record<string, z.ZodType> = {};
  const input: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(flags)) {
    if (isSetting(f)) continue;
    shape[name] = f.schema;
    const v = raw(args, name);
    input[name] = v === undefined ? undefined : coerceFor(f.schema)(v);
  }
  const schema = z.object(shape);
  const r = schema.safeParse(input);
  if (!r.success) throw configError('The command line', describeIssues(r.error.issues, input, schema, (p) => `--${p.split('.')[0]}`), FLAG_SOLUTIONS);
  return r.data as OwnFlagValues<F>;
}
