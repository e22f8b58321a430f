import type { Argv, CommandModule } from 'yargs';
import {
  builtinResolver,
  collect,
  formatStats,
  mergeShards,
  parseShard,
  readCollectManifest,
  SelfjError,
  type CollectStats,
  type ManifestSource,
  type SourceContext,
  type InstructionRecord,
} from '@selfj/core';

interface CollectArgs {
  manifest?: string;
  out: string;
  shard?: string;
  'on-bad-record'?: 'fail' | 'skip';
  'expected-records'?: number;
  json: boolean;
  quiet: boolean;
}

interface MergeArgs {
  inputs: string[];
  out: string;
  json: boolean;
  quiet: boolean;
}

const FIELD_MAPPING_KEYS = ['instruction', 'reference', 'category', 'separator'];

/**
 * Resolves a manifest source through the loader plugins: hf://datasets/... with @selfj/dataset-hf, local files
 * (JSONL/JSON/CSV/Parquet, .gz, globs) with @selfj/dataset-files. Their skipped records go to collect's rejects.
 * When a plugin is not installed, local .jsonl files still work through core's built-in reader.
 */
async function resolveSource(src: ManifestSource, ctx: SourceContext): Promise<AsyncIterable<InstructionRecord>> {
  const mapping = src.mapping ?? {};
  const fieldMapping = Object.fromEntries(Object.entries(mapping).filter(([k]) => FIELD_MAPPING_KEYS.includes(k)));
  const base: Record<string, unknown> = {
    ...(typeof mapping.preset === 'string' ? { preset: mapping.preset } : {}),
    ...('instruction' in fieldMapping && 'reference' in fieldMapping ? { mapping: fieldMapping } : {}),
    ...src.options,
    onBadRecord: ctx.onBadRecord,
    rejects: (r: { file: string; row: number | null; kind: string; reason: string; raw?: string }) =>
      ctx.reject({ source: src.name, file: r.file, row: r.row ?? undefined, reason: r.kind, error: r.reason, raw: r.raw }),
  };
  const plugin = src.uri.startsWith('hf://') ? '@selfj/dataset-hf' : '@selfj/dataset-files';
  let mod: Record<string, unknown>;
  try {
    mod = (await import(plugin)) as Record<string, unknown>;
  } catch (e) {
    if (plugin === '@selfj/dataset-files' && /\.jsonl(\.gz)?$/i.test(src.uri)) return builtinResolver(src, ctx);
    throw new SelfjError('PLUGIN_NOT_FOUND', `Source ${src.name} needs ${plugin}, which could not be loaded`, {
      cause: e,
      solutions: [`npm install ${plugin}`],
    });
  }
  type Loader = { records(o: { signal?: AbortSignal }): AsyncIterable<InstructionRecord> };
  const loader: Loader =
    plugin === '@selfj/dataset-hf'
      ? new (mod.HfDataset as new (o: unknown) => Loader)({ ...base, source: src.uri })
      : new (mod.FilesDataset as new (o: unknown) => Loader)({ ...base, files: src.uri, source: src.name });
  return loader.records({ signal: ctx.signal });
}

function report(stats: CollectStats, files: Record<string, string>, args: { json: boolean; quiet: boolean }): void {
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ files, stats })}\n`);
    return;
  }
  if (!args.quiet) process.stdout.write(`${formatStats(stats)}\n\n`);
  for (const [kind, path] of Object.entries(files)) process.stdout.write(`${kind}: ${path}\n`);
}

function progress(args: { json: boolean; quiet: boolean }): ((s: CollectStats) => void) | undefined {
  if (args.json || args.quiet) return undefined;
  const t0 = Date.now();
  return (s) => {
    const secs = (Date.now() - t0) / 1000;
    process.stderr.write(`\r${s.totals.read.toLocaleString('en-US')} read, ${s.totals.kept.toLocaleString('en-US')} kept (${Math.round(s.totals.read / secs).toLocaleString('en-US')}/s)   `);
  };
}

const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <inputs..>',
  describe: 'Merge shard outputs (directories or part-i-of-N.jsonl files): cross-shard dedupe, then split',
  builder: (y) =>
    y
      .positional('inputs', { type: 'string', array: true, describe: 'Shard output directories or part files' })
      .option('out', { type: 'string', demandOption: true, describe: 'Output directory' }) as never,
  handler: async (args) => {
    const { stats, files } = await mergeShards({ inputs: args.inputs, outDir: args.out });
    report(stats, files, args);
  },
};

/** `selfj collect`: build an instruction collection from a manifest of sources; `selfj collect merge` joins shards. */
const collectCommand: CommandModule<object, CollectArgs> = {
  command: 'collect',
  describe: 'Build an instruction collection (filter, dedupe, split) from a JSON manifest of sources',
  builder: (y: Argv) =>
    y
      .command(mergeCommand as CommandModule)
      .option('manifest', { type: 'string', describe: 'JSON manifest: {"sources": [{"name", "uri", "mapping", "category", "priority"}], ...}' })
      .option('out', { type: 'string', demandOption: true, describe: 'Output directory' })
      .option('shard', { type: 'string', describe: 'Process only shard i of N (0-based "i/N"); join with `collect merge`' })
      .option('on-bad-record', { choices: ['fail', 'skip'] as const, describe: 'Stop on a bad record (default) or write it to rejects.jsonl' })
      .option('expected-records', { type: 'number', describe: 'Presize the dedupe tables for about this many records' }) as never,
  handler: async (args) => {
    if (!args.manifest) throw new SelfjError('BAD_INPUT', 'selfj collect needs --manifest <file.json> (or use `selfj collect merge`).');
    const manifest = await readCollectManifest(args.manifest);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const { stats, files } = await collect({
        manifest,
        outDir: args.out,
        resolve: resolveSource,
        shard: args.shard ? parseShard(args.shard) : undefined,
        onBadRecord: args['on-bad-record'],
        expectedRecords: args['expected-records'],
        signal: controller.signal,
        onProgress: progress(args),
      });
      if (!args.json && !args.quiet) process.stderr.write('\n');
      report(stats, files, args);
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
export default collectCommand;
