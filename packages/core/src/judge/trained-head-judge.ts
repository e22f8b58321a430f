/**
 * The trained Self-J judge: the head over the policy's hidden state of the reference-free prompt, offset by the
 * zero-shot digit log-probabilities (so an untrained head is the zero-shot judge). It refuses to run on a model
 * or template other than the one it was trained with.
 */
import type { ModelBackend } from '../contracts/backend.js';
import type { JudgeItem, JudgeScore } from '../contracts/judge.js';
import { kernels } from '../infra/kernels.js';
import { modelInfo } from '../stages/common.js';
import { BINS, logOffset } from '../stages/label-math.js';
import { featuresEach } from '../stages/score-batch.js';
import type { PromptTemplate } from '../stages/templates.js';
import { standardize } from './head-trainer.js';
import { checkJudgeFits, type LoadedJudge } from './judge-artifact.js';
import { ZeroShotJudge, type DigitJudgeOptions } from './zero-shot-judge.js';

export class TrainedHeadJudge extends ZeroShotJudge {
  private checkedDim = false;

  private constructor(
    backend: ModelBackend,
    template: PromptTemplate,
    readonly judge: LoadedJudge,
    concurrency: number,
    options: DigitJudgeOptions,
  ) {
    super(backend, template, concurrency, options);
    (this as { id: string }).id = `head:${judge.dir}`;
  }

  /** Loads the judge onto a backend, checking it was trained on this model and template. */
  static async create(backend: ModelBackend, template: PromptTemplate, judge: LoadedJudge, concurrency = 1, options: DigitJudgeOptions = {}): Promise<TrainedHeadJudge> {
    const j = new TrainedHeadJudge(backend, template, judge, concurrency, options);
    checkJudgeFits(judge, { model: await modelInfo(backend), referenceFreeTemplate: j.templateHash() });
    return j;
  }

  override async fingerprint(): Promise<Record<string, unknown>> {
    return { judge: 'head', weights: this.judge.manifest.weights.sha256, model: await modelInfo(this.backend), template: this.templateHash(), minDigitMass: this.minDigitMass };
  }

  override async score(items: JudgeItem[], options: { signal?: AbortSignal } = {}): Promise<(JudgeScore | Error)[]> {
    const prompts = this.prompts(items);
    const zero = await this.digits(prompts, options.signal);
    const feats = await featuresEach(this.backend, prompts, this.limiter, options.signal);
    const k = await kernels();
    const w = this.judge.weights;
    const model = await modelInfo(this.backend);
    return items.map((_, i) => {
      const z0 = zero[i];
      if (z0 instanceof Error) return z0;
      const h = feats[i];
      if (h instanceof Error) return h;
      if (!this.checkedDim) {
        checkJudgeFits(this.judge, { model, referenceFreeTemplate: this.templateHash(), featureDim: h.length });
        this.checkedDim = true;
      }
      const out = k.judgeHeadForward({ h: standardize(h, w.dim, w.mean, w.std), w: w.w, bias: w.bias, offset: logOffset(z0.probs), dim: w.dim, bins: BINS });
      return { score: out.scores[0], probs: Array.from(out.probs), details: { mode: 'trained', z0: z0.expected, digitMass: z0.digitMass, coverage: z0.coverage } };
    });
  }
}
