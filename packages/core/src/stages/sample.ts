/** Stage 1, sample: the policy answers each instruction N times; decoding settings and per-record seeds recorded. */
import { join } from 'node:path';
import type { ModelBackend } from '../contracts/backend.js';
import type { DataConfig, SampleConfig } from '../config/index.js';
import { seedFor } from '../infra/hash.js';
import { countLines, readJsonl, type JsonlLine } from '../infra/jsonl.js';
import { backendLimiter } from '../infra/limiter.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { renderPrompt, templateHash, type PromptTemplate } from './templates.js';
import { inputIdentity, modelInfo, optStr, stageHash, str, type StageCommon } from './common.js';

export interface SampleStageOptions extends StageCommon {
  input: string;
  backend: ModelBackend;
  config: SampleConfig;
  fields: DataConfig['fields'];
  limit?: number;
  seed: number;
  template: PromptTemplate;
  concurrency?: number;
}

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
  const chat = o.backend.capabilities().chatTemplate;
  const tHash = templateHash(o.template, chat);
  const model = await modelInfo(o.backend);
  const input = await inputIdentity(o.input);
  const config = { ...o.config, seed: o.seed, fields: o.fields, limit: o.limit };
  const configHash = stageHash({ stage: 'sample', config, model, tHash, input: input.configHash });
  const limiter = backendLimiter(o.backend.id, o.concurrency ?? 1);
  const f = o.fields;
  return runStage<SampleRecord, SampleRecord>({
    stage: 'sample',
    dir: o.dir,
    manifest: { configHash, config, model, templates: { sample: tHash }, input },
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
      return { key, value };
    },
    async process(batch) {
      const out: SampleRecord[] = [];
      for (const r of batch) {
        const prompt = renderPrompt(o.template, { instruction: r.instruction }, chat);
        const g = await limiter.run(() =>
          o.backend.generate(prompt, {
            maxTokens: o.config.maxTokens,
            temperature: o.config.temperature,
            topP: o.config.topP,
            stop: o.config.stop,
            seed: r.seed,
            signal: o.signal,
          }),
        );
        out.push({ ...r, response: g.text.trim(), finishReason: g.finishReason, tokens: g.tokens });
      }
      return out;
    },
    concurrency: o.concurrency,
    onBadRecord: o.onBadRecord,
    signal: o.signal,
    logger: o.logger,
    progress: { enabled: o.progress, total: async () => Math.min(await countLines(o.input), o.limit ?? Infinity) * o.config.samples },
    force: o.force,
  });
}

export const sampleRecordsFile = (dir: string) => join(dir, 'records.jsonl');
