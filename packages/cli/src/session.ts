/**
 * What a command runs with: the resolved config (file + flags, validated), one plugin registry (built-ins, the
 * default plugins, the config's "plugins" and --plugin), a context that opens the policy backend on first use,
 * Ctrl-C handling (finish the current write, then stop: a rerun resumes), logging and output.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEFAULT_IDS, SelfjError, createContext, createRegistry, parseBackendId, type PluginContext, type PluginRegistry, type SelfjConfig } from '@selfj/core';
import { createLogger, progressEnabledByDefault, type Logger, type StageShard } from '@selfj/core/infra';
import { configWithFlags, type FlagSpecs } from './options/flags.js';
import { asReplica } from './workers/replica.js';

export interface OutputArgs {
  json: boolean;
  quiet: boolean;
}

export interface Session {
  config: SelfjConfig;
  /** The config file, when one was given (relative plugin paths resolve from its directory). */
  configFile?: string;
  registry: PluginRegistry;
  ctx: PluginContext;
  signal: AbortSignal;
  logger: Logger;
  progress: boolean;
  /** A line for people on stderr (nothing with --json or --quiet). */
  say(line: string): void;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SelfjError('BAD_CONFIG', `Cannot read config ${path}: ${(e as Error).message}`, { solutions: ['Check the path given to --config'] });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SelfjError('BAD_CONFIG', `Config ${path} is not valid JSON: ${(e as Error).message}`, { solutions: ['Fix the JSON syntax', 'Print the expected shape with `selfj run --schema`'] });
  }
}

/** The config file (when given) with the flag overrides merged in, validated as one; throws before any work. */
export function resolveCommandConfig(args: Record<string, unknown>, flags: FlagSpecs, base: unknown = {}): { config: SelfjConfig; configFile?: string } {
  const configFile = typeof args.config === 'string' ? args.config : undefined;
  const file = configFile ? readConfigFile(configFile) : base;
  const config = configWithFlags(file, configFile ?? 'The command line', args, flags);
  const extra = Array.isArray(args.plugin) ? (args.plugin as string[]).map((p) => (p.startsWith('.') ? resolve(p) : p)) : [];
  if (extra.length) config.plugins = [...config.plugins, ...extra];
  return { config, configFile };
}

/** The policy backend id: --model (the default backend's scheme with that model), the config's, or the default. */
export function policyId(config: SelfjConfig, model?: string): string {
  if (model) return `${parseBackendId(DEFAULT_IDS.backend).scheme}:${model}`;
  return config.backend.id || DEFAULT_IDS.backend;
}

export function progressOn(args: OutputArgs): boolean {
  return !args.json && !args.quiet && progressEnabledByDefault();
}

export function makeLogger(args: OutputArgs & { logFile?: string }, file?: string): Logger {
  return createLogger({ file: args.logFile ?? file, stderrLevel: args.quiet ? 'error' : 'warn', stderrJson: args.json });
}

/** The session-relevant flags of a command (whichever it has). */
export function sessionArgs(args: OutputArgs, own: { model?: string; threads?: number; 'log-file'?: string; upstream?: string }): SessionOptions['args'] {
  return { json: args.json, quiet: args.quiet, model: own.model, threads: own.threads, logFile: own['log-file'], upstream: own.upstream };
}

export interface SessionOptions {
  /** upstream: the backend id the policy's calls go to (a replica of the policy, which the artifacts record). */
  args: OutputArgs & { logFile?: string; model?: string; threads?: number; upstream?: string };
  /** Backend options a command sets over the config's (selfj serve: contexts). */
  backendOptions?: Record<string, unknown>;
  config: SelfjConfig;
  configFile?: string;
  /** Log file for the run when --log-file is not given (selfj run: <out>/events.jsonl). */
  logFile?: string;
  /** Servers stop by draining requests, not batches: they say so themselves, and a first Ctrl-C prints nothing here. */
  server?: boolean;
}

/**
 * Runs `fn` with a session and an AbortSignal tied to Ctrl-C / SIGTERM: the first signal stops cleanly after the
 * current batch is flushed (the command can be rerun to resume); a second one exits at once. Whatever the session
 * opened is closed at the end.
 */
export async function withSession<T>(o: SessionOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count > 1) process.exit(130);
    if (!o.server) process.stderr.write('\nselfj: stopping after the current batch (rerun the same command to resume; Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const quiet = o.args.json || o.args.quiet;
  const say = (line: string) => {
    if (!quiet) process.stderr.write(`${line}\n`);
  };
  const registry = createRegistry({ plugins: o.config.plugins, resolveFrom: o.configFile ? dirname(resolve(o.configFile)) : process.cwd() });
  const ctx = createContext(registry, {
    config: o.config,
    signal: ac.signal,
    notice: (m) => say(`selfj: ${m}`),
    openPolicy: async () => {
      const options = { ...o.config.backend.options, ...o.backendOptions, ...(o.args.threads ? { threads: o.args.threads } : {}) };
      const id = policyId(o.config, o.args.model);
      return o.args.upstream ? asReplica(await registry.createBackend(o.args.upstream, options, ctx), id) : registry.createBackend(id, options, ctx);
    },
  });
  try {
    return await fn({
      config: o.config,
      configFile: o.configFile,
      registry,
      ctx,
      signal: ac.signal,
      logger: makeLogger(o.args, o.logFile),
      progress: progressOn(o.args),
      say,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await ctx.close();
  }
}

/** What every stage run takes from the session: bad-record policy, --force, Ctrl-C, logger, progress. */
export function stageIo(s: Session, force: boolean) {
  return { onBadRecord: s.config.onBadRecord, force, signal: s.signal, logger: s.logger, progress: s.progress };
}

/** Prints a result: JSON with --json, else one human line. */
export function report(args: OutputArgs, result: Record<string, unknown>, human: string): void {
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else if (!args.quiet) process.stdout.write(`${human}\n`);
}

/** What a shard run adds to its result line: how to join the shards once all are done. */
export function shardNote(shard: StageShard | undefined, out: string): string {
  return shard && shard.count > 1 ? `\nshard ${shard.index}/${shard.count}: join the ${shard.count} shards with \`selfj merge ${out}\` once each has finished` : '';
}

export function stageLine(name: string, r: { status: string; written?: number; resumed?: number; rejected?: number; seconds: number; recordsFile?: string; dir?: string }): string {
  if (r.status === 'skipped') return `${name}: already complete for this config (${r.dir}); use --force to redo`;
  const parts = [`${r.written ?? 0} written`];
  if (r.resumed) parts.push(`${r.resumed} resumed`);
  if (r.rejected) parts.push(`${r.rejected} rejected (see rejects.jsonl)`);
  return `${name}: ${parts.join(', ')} in ${r.seconds.toFixed(1)}s -> ${r.recordsFile ?? r.dir}`;
}
