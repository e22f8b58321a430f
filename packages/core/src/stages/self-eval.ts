/**
 * Stage 2, self-eval: the policy rates its own response from its digit probabilities (never parsed text), once
 * with the reference (z1, the label signal) and once without (z0, the zero-shot reference-free judge that is the
 * baseline and the trainer's student offset).
 */
import type { ModelBackend } from '../contracts/backend.js';
import type { DigitScore } from './digit-scoring.js';
import { SelfjError, isSelfjError } from '../errors.js';
import { readJsonl } from '../infra/jsonl.js';
import { backendLimiter } from '../infra/limiter.js';
import { BadRecord, runStage, type StageRunResult } from '../infra/stage-runner.js';
import type { TemplateSet } from './templates.js';
import { mapViews, viewTemplateHashes } from './views.js';
import { inputIdentity, modelInfo, recordKey, runnerCommon, stageHash, str, withoutKey, type StageCommon } from './common.js';
import { scoreDigitsEach } from './score-batch.js';

export interface SelfEvalStageOptions extends StageCommon {
  input: string;
  backend: ModelBackend;
  templates: Pick<TemplateSet, 'withReference' | 'referenceFree'>;
  batchSize?: number;
  concurrency?: number;
  /**
   * Floor on the digit mass of either view (config scoring.minDigitMass): an item below it is a bad record with
   * the reason, per onBadRecord. Default 0 (none); the CLI and `selfj run` pass the config's (0.05 by default).
   */
  minDigitMass?: number;
}

export interface SelfEvalFields {
  /** Expected digit with the reference (z1, docs/method.md §3). */
  z1: number;
  /** Expected digit without the reference (zero-shot judge). */
  z0: number;
  withReference: DigitScore;
  referenceFree: DigitScore;
}

type Item = Record<string, unknown> & { instruction: string; reference: string; response: string };

/** A digit problem of an item names its record and the view it came from (the runner adds file:line). */
function itemError(e: Error, key: string, view: 'teacher' | 'student'): Error {
  if (!isSelfjError(e) || e.details.kind === undefined) return e;
  const which = view === 'teacher' ? 'teacher view (with reference)' : 'student view (reference-free)';
  return new SelfjError(e.code, `record "${key}", ${which}: ${e.message}`, { details: { ...e.details, key, view }, cause: e });
}

export async function runSelfEval(o: SelfEvalStageOptions): Promise<StageRunResult> {
  const chat = o.backend.capabilities().chatTemplate;
  const templates = viewTemplateHashes(o.templates, chat);
  const model = await modelInfo(o.backend);
  const input = await inputIdentity(o.input);
  const minDigitMass = o.minDigitMass ?? 0;
  const configHash = stageHash({ stage: 'self-eval', model, templates, minDigitMass, input: input.configHash });
  const limiter = backendLimiter(o.backend.id, o.concurrency ?? 1);
  return runStage<Item, Record<string, unknown>>({
    stage: 'self-eval',
    dir: o.dir,
    manifest: { configHash, config: { chat, minDigitMass }, model, templates, input },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      const key = recordKey(v);
      str(v, 'instruction');
      str(v, 'reference');
      if (typeof v.response !== 'string') throw new BadRecord('missing response (field "response" must be a string)');
      return { key, value: withoutKey(v) as Item };
    },
    process: (batch, keys) =>
      mapViews(
        batch,
        o.templates,
        chat,
        (prompts) => scoreDigitsEach(o.backend, prompts, limiter, o.signal, minDigitMass),
        (r, t, s) => {
          const fields: SelfEvalFields = { z1: t.expected, z0: s.expected, withReference: t, referenceFree: s };
          return { ...r, ...fields };
        },
        (e, i, view) => itemError(e, keys[i], view),
      ),
    batchSize: o.batchSize ?? 4,
    concurrency: o.concurrency,
    ...runnerCommon(o),
  });
}
