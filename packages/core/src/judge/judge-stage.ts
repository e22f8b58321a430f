/**
 * Stage 6, judge: reference-free scores for (instruction, response) items. With a trained judge: the head over the
 * student-view features, offset by the zero-shot digit log-probs; without one: the zero-shot self-evaluation.
 */
import type { ModelBackend, Prompt } from '../contracts/backend.js';
import { readJsonl } from '../infra/jsonl.js';
import { backendLimiter } from '../infra/limiter.js';
import { BadRecord, runStage, type StageRunResult } from '../infra/stage-runner.js';
import { kernels } from '../infra/kernels.js';
import { BINS, logOffset } from '../stages/label-math.js';
import { renderPrompt, templateHash, type PromptTemplate } from '../stages/templates.js';
import { checkJudgeFits, type LoadedJudge } from './judge-artifact.js';
import { standardize } from './head-trainer.js';
import { inputIdentity, modelInfo, recordKey, runnerCommon, stageHash, str, withoutKey, type StageCommon } from '../stages/common.js';
import { featuresEach, scoreDigitsEach } from '../stages/score-batch.js';

export interface JudgeStageOptions extends StageCommon {
  input: string;
  backend: ModelBackend;
  template: PromptTemplate;
  judge?: LoadedJudge;
  fields?: { instruction?: string; response?: string };
  batchSize?: number;
  concurrency?: number;
}

type Item = Record<string, unknown> & { __instruction: string; __response: string };

export async function runJudge(o: JudgeStageOptions): Promise<StageRunResult> {
  const chat = o.backend.capabilities().chatTemplate;
  const tHash = templateHash(o.template, chat);
  const model = await modelInfo(o.backend);
  if (o.judge) checkJudgeFits(o.judge, { model, referenceFreeTemplate: tHash });
  const input = await inputIdentity(o.input);
  const fi = o.fields?.instruction ?? 'instruction';
  const fr = o.fields?.response ?? 'response';
  const judgeId = o.judge ? o.judge.manifest.weights.sha256 : 'zero-shot';
  const configHash = stageHash({ stage: 'judge', model, tHash, judgeId, fi, fr, input: input.configHash });
  const limiter = backendLimiter(o.backend.id, o.concurrency ?? 1);
  const k = o.judge ? await kernels() : undefined;
  let checkedDim = false;
  return runStage<Item, Record<string, unknown>>({
    stage: 'judge',
    dir: o.dir,
    manifest: { configHash, config: { judge: o.judge?.dir ?? null, fields: { instruction: fi, response: fr } }, model, templates: { referenceFree: tHash }, input, extra: { mode: o.judge ? 'trained' : 'zero-shot' } },
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
      return { key, value: { ...withoutKey(v), __instruction: instruction, __response: v[fr] as string } };
    },
    async process(batch) {
      const prompts: Prompt[] = batch.map((r) => renderPrompt(o.template, { instruction: r.__instruction, response: r.__response }, chat));
      const zero = await scoreDigitsEach(o.backend, prompts, limiter, o.signal);
      const feats = o.judge ? await featuresEach(o.backend, prompts, limiter, o.signal) : undefined;
      return batch.map((r, i) => {
        const { __instruction: _i, __response: _r, ...rest } = r;
        const z0 = zero[i];
        if (z0 instanceof Error) return z0;
        if (!o.judge || !feats || !k) {
          return { ...rest, score: z0.expected, probs: z0.probs, mode: 'zero-shot', z0: z0.expected, digitMass: z0.digitMass, coverage: z0.coverage };
        }
        const h = feats[i];
        if (h instanceof Error) return h;
        if (!checkedDim) {
          checkJudgeFits(o.judge, { model, referenceFreeTemplate: tHash, featureDim: h.length });
          checkedDim = true;
        }
        const w = o.judge.weights;
        const out = k.judgeHeadForward({ h: standardize(h, w.dim, w.mean, w.std), w: w.w, bias: w.bias, offset: logOffset(z0.probs), dim: w.dim, bins: BINS });
        return { ...rest, score: out.scores[0], probs: Array.from(out.probs), mode: 'trained', z0: z0.expected, digitMass: z0.digitMass, coverage: z0.coverage };
      });
    },
    batchSize: o.batchSize ?? 4,
    concurrency: o.concurrency,
    ...runnerCommon(o),
  });
}
