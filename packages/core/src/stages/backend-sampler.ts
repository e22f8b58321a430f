/**
 * The built-in Sampler: a backend with the sample prompt template. Chat requests go to the backend as they are;
 * instructions are rendered with the template. A request that is bad on its own (a prompt longer than the
 * context) is that request's error, never the batch's.
 */
import type { ModelBackend } from '../contracts/backend.js';
import type { SampleRequest, SampleSettings, SampledAnswer, Sampler } from '../contracts/sampler.js';
import { backendLimiter, type Semaphore } from '../infra/limiter.js';
import { modelInfo } from './common.js';
import { perItemError } from './score-batch.js';
import { renderPrompt, templateHash, type PromptTemplate } from './templates.js';

export class BackendSampler implements Sampler {
  readonly id: string;
  private readonly limiter: Semaphore;

  constructor(
    private readonly backend: ModelBackend,
    private readonly template: PromptTemplate,
    /** Generate calls in flight at once against this backend. */
    concurrency = 1,
  ) {
    this.id = `backend:${backend.id}`;
    this.limiter = backendLimiter(backend.id, concurrency);
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { model: await modelInfo(this.backend), template: templateHash(this.template, this.backend.capabilities().chatTemplate) };
  }

  async sample(requests: SampleRequest[], s: SampleSettings, options: { signal?: AbortSignal } = {}): Promise<(SampledAnswer[] | Error)[]> {
    const chat = this.backend.capabilities().chatTemplate;
    const n = s.n ?? 1;
    return Promise.all(
      requests.map(async (r) => {
        const prompt = r.messages ?? renderPrompt(this.template, { instruction: r.instruction }, chat);
        const answers: SampledAnswer[] = [];
        try {
          for (let i = 0; i < n; i++) {
            // Answer i of a request uses seed + i: one seed per request keeps n answers reproducible and distinct.
            const g = await this.limiter.run(() =>
              this.backend.generate(prompt, { maxTokens: s.maxTokens, temperature: s.temperature, topP: s.topP, stop: s.stop, seed: r.seed === undefined ? undefined : r.seed + i, signal: options.signal }),
            );
            answers.push({ text: g.text.trim(), finishReason: g.finishReason, tokens: g.tokens, ...(g.promptTokens === undefined ? {} : { promptTokens: g.promptTokens }) });
          }
        } catch (e) {
          if (perItemError(e)) return e as Error;
          throw e;
        }
        return answers;
      }),
    );
  }
}
