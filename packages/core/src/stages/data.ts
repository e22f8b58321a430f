/**
 * Stage 0, data: a data set from any loader plugin (local JSONL/JSON/CSV/Parquet with mapping presets,
 * hf://datasets/owner/name@revision, ...) written once as flat instruction records, so every later stage reads
 * one JSONL file with stable ids and file:line positions. Resumable like every stage; a plain JSONL source with the
 * default loader needs no copy (the pipeline reads it directly).
 */
import type { DatasetLoader } from '../contracts/records.js';
import type { JsonlLine } from '../infra/jsonl.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { stageHash, type StageCommon } from './common.js';

export interface DataStageOptions extends StageCommon {
  /** The data set URI as the user wrote it (for messages and the manifest). */
  source: string;
  loader: DatasetLoader;
  /** Loader options (they change what is read, so they are part of the config hash). */
  options?: Record<string, unknown>;
  limit?: number;
}

async function* lines(o: DataStageOptions): AsyncGenerator<JsonlLine> {
  let n = 0;
  for await (const r of o.loader.records({ signal: o.signal })) {
    if (o.limit !== undefined && n >= o.limit) return;
    n++;
    // Kept source fields sit beside the record's own (a field named like one of those does not replace it).
    const { fields, ...own } = r;
    yield { file: o.source, line: n, value: { ...(fields ?? {}), ...own } as Record<string, unknown> };
  }
}

export async function runData(o: DataStageOptions): Promise<StageRunResult> {
  const config = { source: o.source, loader: o.loader.id, options: o.options ?? {}, limit: o.limit };
  const configHash = stageHash({ stage: 'data', ...config });
  return runStage<Record<string, unknown>, Record<string, unknown>>({
    stage: 'data',
    dir: o.dir,
    manifest: { configHash, config, input: { file: o.source } },
    input: lines(o),
    parse(line) {
      const v = line.value!;
      return { key: String(v.id), value: v };
    },
    process: async (batch) => batch,
    batchSize: 256,
    onBadRecord: o.onBadRecord,
    onConfigChange: o.onConfigChange,
    shard: o.shard,
    signal: o.signal,
    logger: o.logger,
    progress: { enabled: o.progress },
    force: o.force,
  });
}

/** True when a source is a local JSONL file the stages can read as it is (no loader, no copy). */
export function isPlainJsonl(source: string, loaderOptions: Record<string, unknown> = {}): boolean {
  return /\.jsonl(\.gz)?$/i.test(source) && !/^[a-z][a-z0-9+.-]+:/i.test(source) && !/[*?[{]/.test(source) && Object.keys(loaderOptions).length === 0;
}
