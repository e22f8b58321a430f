/**
 * The trainer's first half: hidden-state features of both views of every labelled item, from the frozen model,
 * stored as a resumable stage artifact (base64 float32 per view) next to the label and the zero-shot offsets.
 */
import type { ModelBackend } from '../contracts/backend.js';
import { countLines, readJsonl } from '../infra/jsonl.js';
import { backendLimiter } from '../infra/limiter.js';
import { BadRecord, runStage, type StageRunResult } from '../infra/stage-runner.js';
import { BINS, logOffset } from '../stages/label-math.js';
import { inputIdentity, modelInfo, num, recordKey, stageHash, str, type StageCommon } from '../stages/common.js';
import { featuresEach } from '../stages/score-batch.js';
import { mapViews, viewTemplateHashes } from '../stages/views.js';
import type { TemplateSet } from '../stages/templates.js';
import type { TrainData } from './head-trainer.js';

export interface FeaturesStageOptions extends StageCommon {
  input: string;
  backend: ModelBackend;
  templates: Pick<TemplateSet, 'withReference' | 'referenceFree'>;
  batchSize?: number;
  concurrency?: number;
  /** Use only records whose `split` field is this (records without a split are always used). */
  onlySplit?: string;
}

interface Item {
  instruction: string;
  reference: string;
  response: string;
  z: number;
  probsT: number[];
  probsS: number[];
  category?: string;
}

export const f32ToB64 = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
export function b64ToF32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function probsOf(v: Record<string, unknown>, field: string): number[] {
  const p = (v[field] as { probs?: unknown } | undefined)?.probs;
  if (!Array.isArray(p) || p.length !== BINS || p.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new BadRecord(`missing ${field}.probs (10 digit probabilities from the self-eval stage)`);
  }
  return p as number[];
}

export async function runFeatures(o: FeaturesStageOptions): Promise<StageRunResult> {
  const chat = o.backend.capabilities().chatTemplate;
  const templates = viewTemplateHashes(o.templates, chat);
  const model = await modelInfo(o.backend);
  const input = await inputIdentity(o.input);
  const configHash = stageHash({ stage: 'features', model, templates, onlySplit: o.onlySplit, input: input.configHash });
  const limiter = backendLimiter(o.backend.id, o.concurrency ?? 1);
  return runStage<Item, Record<string, unknown>>({
    stage: 'features',
    dir: o.dir,
    manifest: { configHash, config: { chat }, model, templates, input },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      if (o.onlySplit && typeof v.split === 'string' && v.split !== o.onlySplit) return null;
      const key = recordKey(v);
      if (typeof v.response !== 'string') throw new BadRecord('missing response');
      const value: Item = {
        instruction: str(v, 'instruction'),
        reference: str(v, 'reference'),
        response: v.response,
        z: num(v, 'z', 0, 9),
        probsT: probsOf(v, 'withReference'),
        probsS: probsOf(v, 'referenceFree'),
        category: typeof v.category === 'string' ? v.category : undefined,
      };
      return { key, value };
    },
    process: (batch) =>
      mapViews(batch, o.templates, chat, (prompts) => featuresEach(o.backend, prompts, limiter, o.signal), (r, t, s) => (
        { z: r.z, category: r.category, probsT: r.probsT, probsS: r.probsS, dim: t.length, hT: f32ToB64(t), hS: f32ToB64(s) }
      )),
    batchSize: o.batchSize ?? 4,
    concurrency: o.concurrency,
    onBadRecord: o.onBadRecord,
    onConfigChange: o.onConfigChange,
    shard: o.shard,
    signal: o.signal,
    logger: o.logger,
    progress: { enabled: o.progress, total: o.onlySplit ? undefined : () => countLines(o.input) },
    force: o.force,
  });
}

/** Reads a features artifact into the trainer's arrays (offsets = log of each view's zero-shot digit probs). */
export async function loadTrainData(file: string): Promise<TrainData & { keys: string[] }> {
  const rows: { key: string; z: number; hT: ArrayLike<number>; hS: ArrayLike<number>; pT: number[]; pS: number[] }[] = [];
  let dim = 0;
  for await (const l of readJsonl(file)) {
    const v = l.value;
    if (!v) continue;
    const hT = b64ToF32(v.hT as string);
    const hS = b64ToF32(v.hS as string);
    dim ||= hT.length;
    rows.push({ key: v.key as string, z: v.z as number, hT, hS, pT: v.probsT as number[], pS: v.probsS as number[] });
  }
  const n = rows.length;
  const d: TrainData & { keys: string[] } = {
    hTeacher: new Float32Array(n * dim),
    hStudent: new Float32Array(n * dim),
    offTeacher: new Float32Array(n * BINS),
    offStudent: new Float32Array(n * BINS),
    z: new Float32Array(n),
    dim,
    keys: rows.map((r) => r.key),
  };
  rows.forEach((r, i) => {
    d.hTeacher.set(r.hT, i * dim);
    d.hStudent.set(r.hS, i * dim);
    logOffset(r.pT, d.offTeacher, i * BINS);
    logOffset(r.pS, d.offStudent, i * BINS);
    d.z[i] = r.z;
  });
  return d;
}
