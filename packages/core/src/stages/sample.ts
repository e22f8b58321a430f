/**
 * Stage 1, sample: the policy answers each instruction N times through a Sampler; decoding settings and
 * per-record seeds recorded. One answer per record (key "<id>#<sample>"), so one bad instruction is one reject.
 */
import { join } from 'node:path';
import type { DataConfig, SampleConfig } from '../config/index.js';
import type { Sampler } from '../contracts/sampler.js';
import { seedFor } from '../infra/hash.js';
import type { ModelInfo } from '../infra/manifest.js';
import { countLines, readJsonl, type JsonlLine } from '../infra/jsonl.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { SelfjError } from '../errors.js';
import { inputIdentity, optStr, stageHash, str, type StageCommon } from './common.js';

export interface SampleStageOptions extends StageCommon {
  input: string;
  sampler: Sampler;
  config: SampleConfig;
  fields: DataConfig['fields'];
  limit?: number;
  seed: number;
  concurrency?: number;
  /** Fields of the data copied unchanged onto every sample record (e.g. an external grade, config grade.field). */
  carry?: string[];
}

/** The fields a sample record is made of: a carried field may not take one of these names. */
const OWN_FIELDS = ['id', 'sample', 'instruction', 'reference', 'category', 'response', 'finishReason', 'tokens', 'seed', 'key'];

export interface SampleRecord {
  id: string;
  sample: number;
  instruction: string;
  reference: string;
  category?: string;
  response: string;
  finishReason: 'stop' | 'length';
  tokens?: number;
  seed: number;
}

/** Each input line, repeated once per sample, with the sample index attached. */
async function* expand(file: string, samples: number, limit: number | undefined, signal?: AbortSignal): AsyncGenerator<JsonlLine> {
  let n = 0;
  for await (const line of readJsonl(file, { signal })) {
    if (limit !== undefined && n >= limit) break;
    n++;
    if (line.error) {
      yield line;
      continue;
    }
    for (let s = 0; s < samples; s++) yield { ...line, value: { ...line.value, __sample: s } };
  }
}

export async function runSample(o: SampleStageOptions): Promise<StageRunResult> {
  const fp = await o.sampler.fingerprint();
  const input = await inputIdentity(o.input);
  const carry = o.carry?.filter(Boolean) ?? [];
  const clash = carry.filter((c) => OWN_FIELDS.includes(c));
  if (clash.length) {
    throw new SelfjError('BAD_CONFIG', `The field(s) ${clash.join(', ')} cannot be carried from the data: sample records have their own field of that name.`, {
      solutions: ['Rename the field in the data, or name another field (e.g. grade.field)'],
    });
  }
  const config = { ...o.config, seed: o.seed, fields: o.fields, limit: o.limit, ...(carry.length ? { carry } : {}) };
  const configHash = stageHash({ stage: 'sample', config, sampler: fp, input: input.configHash });
  const settings = { n: 1, maxTokens: o.config.maxTokens, temperature: o.config.temperature, topP: o.config.topP, stop: o.config.stop };
  const f = o.fields;
  // The whole input record goes to the sampler (a recorded-answer sampler reads it) without being written out.
  const inputs = new WeakMap<SampleRecord, Record<string, unknown>>();
  return runStage<SampleRecord, SampleRecord>({
    stage: 'sample',
    dir: o.dir,
    manifest: {
      configHash,
      config,
      ...(fp.model ? { model: fp.model as ModelInfo } : {}),
      ...(typeof fp.template === 'string' ? { templates: { sample: fp.template } } : {}),
      input,
      extra: { sampler: o.sampler.id },
    },
    input: expand(o.input, o.config.samples, o.limit, o.signal),
    parse(line) {
      const v = line.value!;
      const rawId = v[f.id];
      const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : `line-${line.line}`;
      const sample = v.__sample as number;
      const key = `${id}#${sample}`;
      const value: SampleRecord = {
        id,
        sample,
        instruction: str(v, f.instruction, 'instruction'),
        reference: str(v, f.reference, 'reference'),
        category: optStr(v, f.category),
        response: '',
        finishReason: 'stop',
        seed: seedFor(o.seed, key),
      };
      for (const c of carry) if (v[c] !== undefined) (value as unknown as Record<string, unknown>)[c] = v[c];
      const { __sample: _s, ...record } = v;
      inputs.set(value, record);
      return { key, value };
    },
    async process(batch) {
      const answers = await o.sampler.sample(
        batch.map((r) => ({ instruction: r.instruction, seed: r.seed, record: inputs.get(r) })),
        settings,
        { signal: o.signal },
      );
      return batch.map((r, i) => {
        const a = answers[i];
        if (a instanceof Error) return a;
        const g = a[0];
        return { ...r, response: g.text, finishReason: g.finishReason, tokens: g.tokens };
      });
    },
    concurrency: o.concurrency,
    onBadRecord: o.onBadRecord,
    onConfigChange: o.onConfigChange,
    shard: o.shard,
    signal: o.signal,
    logger: o.logger,
    progress: { enabled: o.progress, total: async () => Math.min(await countLines(o.input), o.limit ?? Infinity) * o.config.samples },
    force: o.force,
  });
}

export const sampleRecordsFile = (dir: string) => join(dir, 'records.jsonl');
