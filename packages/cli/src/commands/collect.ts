import { z } from 'zod';
import { Progress } from '@selfj/core/infra';
import { SelfjError, createRegistry, isSelfjError, type InstructionRecord, type PluginRegistry } from '@selfj/core';
import { builtinResolver, collect, formatStats, mergeShards, parseShard, readCollectManifest, type CollectStats, type ManifestSource, type SourceContext } from '@selfj/core/collect';
import { defineCommand } from '../options/command.js';
import { configFlags } from '../options/common.js';

const FIELD_MAPPING_KEYS = ['instruction', 'reference', 'category', 'separator'];

/**
 * Resolves a manifest source through the data set loader plugins (hf://datasets/... , local JSONL/JSON/CSV/Parquet
 * with .gz and globs, or any plugin's scheme). Their skipped records go to collect's rejects. When no loader for
 * local files is installed, .jsonl files still work through core's built-in reader.
 */
function sourceResolver(registry: PluginRegistry) {
  return async (src: ManifestSource, ctx: SourceContext): Promise<AsyncIterable<InstructionRecord>> => {
    const mapping = src.mapping ?? {};
    const fieldMapping = Object.fromEntries(Object.entries(mapping).filter(([k]) => FIELD_MAPPING_KEYS.includes(k)));
    const options: Record<string, unknown> = {
      ...(typeof mapping.preset === 'string' ? { preset: mapping.preset } : {}),
      ...('instruction' in fieldMapping && 'reference' in fieldMapping ? { mapping: fieldMapping } : {}),
      ...src.options,
      source: src.name,
      onBadRecord: ctx.onBadRecord,
      rejects: (r: { file: string; row: number | null; kind: string; reason: string; raw?: string }) =>
        ctx.reject({ source: src.name, file: r.file, row: r.row ?? undefined, reason: r.kind, error: r.reason, raw: r.raw }),
    };
    try {
      const loader = await registry.createDataset(src.uri, options);
      return loader.records({ signal: ctx.signal });
    } catch (e) {
      if (isSelfjError(e, 'PLUGIN_NOT_FOUND') && /\.jsonl(\.gz)?$/i.test(src.uri)) return builtinResolver(src, ctx);
      throw e;
    }
  };
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
  let kept = 0;
  const bar = new Progress({ label: 'collect', note: () => `read, ${kept.toLocaleString('en-US')} kept`, enabled: process.stderr.isTTY });
  return (s) => {
    kept = s.totals.kept;
    bar.set(s.totals.read);
  };
}

const mergeFlags = {
  inputs: { schema: z.array(z.string().min(1)).min(1), positional: true, describe: 'Shard output directories or part files' },
  out: { schema: z.string().min(1), demand: true, describe: 'Output directory' },
} as const;

const mergeCommand = defineCommand({
  command: 'merge <inputs..>',
  describe: 'Merge shard outputs (directories or part-i-of-N.jsonl files): cross-shard dedupe, then split',
  flags: mergeFlags,
  run: async ({ args, own }) => {
    const { stats, files } = await mergeShards({ inputs: own.inputs, outDir: own.out });
    report(stats, files, args);
  },
});

const flags = {
  plugin: configFlags.plugin,
  manifest: { schema: z.string().min(1).optional(), describe: 'JSON manifest: {"sources": [{"name", "uri", "mapping", "category", "priority"}], ...}' },
  out: { schema: z.string().min(1).optional(), describe: 'Output directory' },
  shard: { schema: z.string().regex(/^\d+\/\d+$/, 'expected "i/N"').optional(), describe: 'Process only shard i of N (0-based "i/N"); join with `collect merge`' },
  'on-bad-record': { schema: z.enum(['fail', 'skip']).optional(), describe: 'Stop on a bad record (default) or write it to rejects.jsonl' },
  'expected-records': { schema: z.int().min(1).optional(), describe: 'Presize the dedupe tables for about this many records' },
} as const;

/** `selfj collect`: build an instruction collection from a manifest of sources; `selfj collect merge` joins shards. */
export default defineCommand({
  command: 'collect',
  describe: 'Build an instruction collection (filter, dedupe, split) from a JSON manifest of sources',
  flags,
  extend: (y) => y.command(mergeCommand),
  run: async ({ args, own }) => {
    if (!own.manifest || !own.out) throw new SelfjError('BAD_INPUT', 'selfj collect needs --manifest <file.json> and --out <dir> (or use `selfj collect merge`).');
    const manifest = await readCollectManifest(own.manifest);
    const registry = createRegistry({ plugins: own.plugin });
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const { stats, files } = await collect({
        manifest,
        outDir: own.out,
        resolve: sourceResolver(registry),
        shard: own.shard ? parseShard(own.shard) : undefined,
        onBadRecord: own['on-bad-record'],
        expectedRecords: own['expected-records'],
        signal: controller.signal,
        onProgress: progress(args),
      });
      if (!args.json && !args.quiet && process.stderr.isTTY) process.stderr.write('\n');
      report(stats, files, args);
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
});
