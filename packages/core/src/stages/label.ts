/** Stage 4, label: z = combine(z1, z2) (docs/method.md §5), with the formula recorded in the manifest. */
import { sha256 } from '../infra/hash.js';
import { readJsonl } from '../infra/jsonl.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { combine, normalizedShares, partRanges, PartStatsAccumulator, type CombineConfig, type PartStats } from './label-math.js';
import { inputIdentity, num, recordKey, runnerCommon, stageHash, type StageCommon } from './common.js';

export interface LabelStageOptions extends StageCommon {
  input: string;
  config: CombineConfig;
  /** Assign each instruction id to a split (all its samples together), e.g. {train: 0.6, calibrate: 0.2, test: 0.2}. */
  splits?: Record<string, number>;
  seed?: number;
}

/** Deterministic split of an id by hash: the same id lands in the same split on every run and resume. */
export function splitOf(id: string, splits: Record<string, number>, seed = 0): string {
  const names = Object.keys(splits);
  const total = names.reduce((s, n) => s + splits[n], 0);
  const u = parseInt(sha256(`split:${seed}:${id}`).slice(0, 8), 16) / 2 ** 32;
  let acc = 0;
  for (const n of names) {
    acc += splits[n] / total;
    if (u < acc) return n;
  }
  return names[names.length - 1];
}

type Item = Record<string, unknown> & { z1: number; z2: number };

/** First pass for z-normalisation: means and spreads of the parts over the whole input (streamed). */
async function partStats(file: string, c: CombineConfig, signal?: AbortSignal): Promise<PartStats> {
  const acc = new PartStatsAccumulator(c);
  for await (const l of readJsonl(file, { signal })) {
    const v = l.value;
    if (v && typeof v.z1 === 'number' && typeof v.z2 === 'number' && Number.isFinite(v.z1) && Number.isFinite(v.z2)) acc.add(v.z1, v.z2);
  }
  return acc.stats();
}

export function describeCombine(c: CombineConfig): string {
  const z2 = c.z2Floor === null ? 'z2' : `max(z2, ${c.z2Floor})`;
  const body = `${c.w1} * z1 + ${c.w2} * ${z2}`;
  const bias = c.bias ? ` + ${c.bias}` : '';
  const clipped = `clipped to [${c.clip[0]}, ${c.clip[1]}]`;
  if (!c.normalize) return `${body}${bias}, ${clipped}`;
  const [a1, a2] = normalizedShares(c);
  const [r1, r2] = partRanges(c);
  const f = (x: number) => Number(x.toFixed(3));
  return `z-scored z1 and ${z2} combined with shares ${f(a1)} and ${f(a2)} (weights times part ranges ${r1} and ${r2}), rescaled to the mean and spread of ${body}${bias}, ${clipped}`;
}

/**
 * The unit a split is drawn for: the instruction id (all its samples together); a record without an id falls back
 * to its key without the "#<sample>" suffix, so that no two instructions share a unit.
 */
export function splitUnit(r: Record<string, unknown>, key: string): string {
  if (typeof r.id === 'string' || typeof r.id === 'number') return String(r.id);
  const suffix = r.sample !== undefined ? `#${String(r.sample)}` : '';
  return suffix && key.endsWith(suffix) ? key.slice(0, -suffix.length) : key;
}

export async function runLabel(o: LabelStageOptions): Promise<StageRunResult> {
  const input = await inputIdentity(o.input);
  const configHash = stageHash({ stage: 'label', config: o.config, splits: o.splits, seed: o.seed, input: input.configHash });
  const stats = o.config.normalize ? await partStats(o.input, o.config, o.signal) : undefined;
  return runStage<Item, Record<string, unknown>>({
    stage: 'label',
    dir: o.dir,
    manifest: { configHash, config: { ...o.config, splits: o.splits, seed: o.seed }, input, extra: { formula: describeCombine(o.config), stats } },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      const key = recordKey(v);
      num(v, 'z1', 0, 9);
      num(v, 'z2', -1.0001, 1.0001);
      return { key, value: v as Item }; // updated in place: no copy on the hot path
    },
    async process(batch, keys) {
      return batch.map((r, i) => {
        r.z = combine(r.z1, r.z2, o.config, stats);
        if (o.splits) r.split = splitOf(splitUnit(r, keys[i]), o.splits, o.seed);
        return r;
      });
    },
    batchSize: 512,
    ...runnerCommon(o),
  });
}
