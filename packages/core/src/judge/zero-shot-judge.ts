/**
 * The zero-shot judge: the model rates the answer itself, without a reference, and the score is the expected
 * digit of its next-token distribution (never parsed text). With the policy backend this is the self-evaluation
 * baseline; with another backend it is that model as an LLM judge.
 */
import type { ModelBackend, Prompt } from '../contracts/backend.js';
import type { Judge, JudgeItem, JudgeScore } from '../contracts/judge.js';
import { backendLimiter, type Semaphore } from '../infra/limiter.js';
import { modelInfo } from '../stages/common.js';
import type { DigitScore } from '../stages/digit-scoring.js';
import { scoreDigitsEach } from '../stages/score-batch.js';
import { renderPrompt, templateHash, type PromptTemplate } from '../stages/templates.js';

export interface DigitJudgeOptions {
  /** Items whose digit mass is below this get a BAD_RECORD error instead of a score (config scoring.minDigitMass). */
  minDigitMass?: number;
}

export class ZeroShotJudge implements Judge {
  readonly id: string;
  readonly scale = { min: 0, max: 9 };
  readonly usesReference = false;
  protected readonly limiter: Semaphore;
  /** The digit-mass floor (0: none). */
  readonly minDigitMass: number;

  constructor(
    readonly backend: ModelBackend,
    readonly template: PromptTemplate,
    concurrency = 1,
    options: DigitJudgeOptions = {},
  ) {
    this.id = `zero-shot:${backend.id}`;
    this.limiter = backendLimiter(backend.id, concurrency);
    this.minDigitMass = options.minDigitMass ?? 0;
  }

  protected get chat(): boolean {
    return this.backend.capabilities().chatTemplate;
  }

  templateHash(): string {
    return templateHash(this.template, this.chat);
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { judge: 'zero-shot', model: await modelInfo(this.backend), template: this.templateHash(), minDigitMass: this.minDigitMass };
  }

  prompts(items: JudgeItem[]): Prompt[] {
    return items.map((r) => renderPrompt(this.template, { instruction: r.instruction, response: r.response }, this.chat));
  }

  /** The digit read-out of each item (the zero-shot score and what the trained head offsets from). */
  protected digits(prompts: Prompt[], signal?: AbortSignal): Promise<(DigitScore | Error)[]> {
    return scoreDigitsEach(this.backend, prompts, this.limiter, signal, this.minDigitMass);
  }

  async score(items: JudgeItem[], options: { signal?: AbortSignal } = {}): Promise<(JudgeScore | Error)[]> {
    const zero = await this.digits(this.prompts(items), options.signal);
    return zero.map((z) => (z instanceof Error ? z : { score: z.expected, probs: z.probs, details: { mode: 'zero-shot', z0: z.expected, digitMass: z.digitMass, coverage: z.coverage } }));
  }
}
