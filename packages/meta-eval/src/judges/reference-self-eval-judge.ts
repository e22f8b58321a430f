/**
 * Zero-shot self-evaluation WITH the reference answer (the Self-J label's z1, the teacher view): the model rates the
 * response against the reference and the score is the expected digit. The reference-free twin is core's
 * "zero-shot" judge. An item without a reference is rejected alone.
 */
import { SelfjError, type JudgeItem, type JudgeScore, type Prompt } from '@selfj/core';
import { ZeroShotJudge } from '@selfj/core/judge';
import { renderPrompt } from '@selfj/core/stages';

export class ReferenceSelfEvalJudge extends ZeroShotJudge {
  constructor(...args: ConstructorParameters<typeof ZeroShotJudge>) {
    super(...args);
    Object.assign(this, { id: `self-eval-ref:${this.backend.id}`, usesReference: true });
  }

  override async fingerprint(): Promise<Record<string, unknown>> {
    return { ...(await super.fingerprint()), judge: 'self-eval-ref' };
  }

  override prompts(items: JudgeItem[]): Prompt[] {
    return items.map((r) => renderPrompt(this.template, { instruction: r.instruction, response: r.response, reference: r.reference ?? '' }, this.chat));
  }

  override async score(items: JudgeItem[], options: { signal?: AbortSignal } = {}): Promise<(JudgeScore | Error)[]> {
    const withRef = items.map((it, i) => [it, i] as const).filter(([it]) => Boolean(it.reference));
    const scored = withRef.length ? await super.score(withRef.map(([it]) => it), options) : [];
    const out: (JudgeScore | Error)[] = items.map(() => new SelfjError('BAD_RECORD', 'self-eval-ref needs a reference answer and this item has none.'));
    withRef.forEach(([, i], k) => (out[i] = scored[k]));
    return out;
  }
}
