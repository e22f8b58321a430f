/**
 * A Sampler that answers from the data: each request's answer is a field of its input record (default
 * "response"). It puts answers that already exist (another model's outputs, a benchmark's responses with their
 * GPT-4 grades) through the rest of the pipeline, so the judge is measured against grades of exactly those answers.
 */
import type { SampleRequest, SampleSettings, SampledAnswer, Sampler } from '../contracts/sampler.js';
import { SelfjError } from '../errors.js';

export class RecordedSampler implements Sampler {
  readonly id: string;

  constructor(readonly field = 'response') {
    this.id = `recorded:${field}`;
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { sampler: 'recorded', field: this.field };
  }

  async sample(requests: SampleRequest[], settings: SampleSettings): Promise<(SampledAnswer[] | Error)[]> {
    return requests.map((r) => {
      const text = r.record?.[this.field];
      if (typeof text !== 'string') {
        return new SelfjError('BAD_RECORD', `no recorded answer: field "${this.field}" is ${text === undefined ? 'missing' : `not a string (${JSON.stringify(text)?.slice(0, 40)})`}`, {
          solutions: [`Name the field that holds the answers: sample.sampler "recorded:<field>"`],
        });
      }
      // A recorded answer is one answer: n copies of it (sampling several gives nothing new).
      return Array.from({ length: settings.n ?? 1 }, () => ({ text, finishReason: 'stop' as const }));
    });
  }
}
