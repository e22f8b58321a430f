/**
 * Stage 6, judge: reference-free scores for (instruction, response) items through a Judge (the trained head, the
 * zero-shot self-evaluation, another model as an LLM judge, or a plugin's). Each record gets `score`, the
 * judge's distribution `probs` when it has one, and the judge's details (`mode`, `z0`, `digitMass`, `coverage`).
 */
import type { Judge } from '../contracts/judge.js';
import type { ModelInfo } from '../infra/manifest.js';
import { readJsonl } from '../infra/jsonl.js';
import { BadRecord, runStage, type StageRunResult } from '../infra/stage-runner.js';
import { inputIdentity, recordKey, runnerCommon, stageHash, str, withoutKey, type StageCommon } from '../stages/common.js';

export interface JudgeStageOptions extends StageCommon {
  input: string;
  judge: Judge;
  fields?: { instruction?: string; response?: string; reference?: string };
  batchSize?: number;
  concurrency?: number;
}

type Item = Record<string, unknown> & { __instruction: string; __response: string; __reference?: string };

export async function runJudge(o: JudgeStageOptions): Promise<StageRunResult> {
  const fp = await o.judge.fingerprint();
  const input = await inputIdentity(o.input);
  const fi = o.fields?.instruction ?? 'instruction';
  const fr = o.fields?.response ?? 'response';
  const fref = o.fields?.reference ?? 'reference';
  const configHash = stageHash({ stage: 'judge', judge: fp, fi, fr, ...(o.judge.usesReference ? { fref } : {}), input: input.configHash });
  return runStage<Item, Record<string, unknown>>({
    stage: 'judge',
    dir: o.dir,
    manifest: {
      configHash,
      // The digit-mass floor (selfj's digit judges say it), so `selfj merge` can summarise the digit mass as a run would.
      config: { judge: o.judge.id, fields: { instruction: fi, response: fr }, ...(typeof fp.minDigitMass === 'number' ? { minDigitMass: fp.minDigitMass } : {}) },
      ...(fp.model ? { model: fp.model as ModelInfo } : {}),
      ...(typeof fp.template === 'string' ? { templates: { referenceFree: fp.template } } : {}),
      input,
      extra: { judge: o.judge.id, mode: fp.judge ?? o.judge.id, scale: o.judge.scale },
    },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      let key: string;
      try {
        key = recordKey(v);
      } catch {
        key = `line-${line.line}`;
      }
      const instruction = str(v, fi, 'instruction');
      if (typeof v[fr] !== 'string') throw new BadRecord(`missing response (field "${fr}" must be a string)`);
      const reference = o.judge.usesReference ? str(v, fref, 'reference') : undefined;
      return { key, value: { ...withoutKey(v), __instruction: instruction, __response: v[fr] as string, __reference: reference } };
    },
    async process(batch) {
      const scores = await o.judge.score(
        batch.map((r) => ({ instruction: r.__instruction, response: r.__response, reference: r.__reference })),
        { signal: o.signal },
      );
      return batch.map((r, i) => {
        const { __instruction: _i, __response: _r, __reference: _f, ...rest } = r;
        const s = scores[i];
        if (s instanceof Error) return s;
        return { ...rest, score: s.score, ...(s.probs ? { probs: s.probs } : {}), ...s.details };
      });
    },
    batchSize: o.batchSize ?? 4,
    concurrency: o.concurrency,
    ...runnerCommon(o),
  });
}
