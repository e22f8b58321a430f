/**
 * The perplexity baseline (the Self-J paper's PPL baseline): how likely the policy model finds the response after
 * the instruction. Score = mean log-probability per response token (= -log perplexity), so a more likely response
 * scores higher. Needs ModelBackend.scoreContinuation; a backend without it is refused with CAPABILITY_MISSING
 * (meta-evaluation reports the row as skipped with that reason).
 */
import { SelfjError, isSelfjError, type Judge, type JudgeItem, type JudgeScore, type ModelBackend, type Prompt } from '@selfj/core';

export const NO_SCORE_CONTINUATION = 'backend has no scoreContinuation';

/** The prompt the response continues: the instruction as a user turn where the model has a chat template. */
export function continuationPrompt(backend: ModelBackend, instruction: string): Prompt {
  return backend.capabilities().chatTemplate ? [{ role: 'user', content: instruction }] : `${instruction}\n\n`;
}

export class PerplexityJudge implements Judge {
  readonly id: string;
  readonly scale = { min: Number.NEGATIVE_INFINITY, max: 0 };
  readonly usesReference = false;

  constructor(readonly backend: ModelBackend) {
    if (typeof backend.scoreContinuation !== 'function') {
      throw new SelfjError('CAPABILITY_MISSING', `perplexity: ${backend.id}: ${NO_SCORE_CONTINUATION}.`, {
        details: { backend: backend.id },
        solutions: ['Use a backend that can score a continuation (llama-cpp; openai servers with completions echo + logprobs).'],
      });
    }
    this.id = `perplexity:${backend.id}`;
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { judge: 'perplexity', backend: this.backend.id, chatTemplate: this.backend.capabilities().chatTemplate };
  }

  async score(items: JudgeItem[], options: { signal?: AbortSignal } = {}): Promise<(JudgeScore | Error)[]> {
    const reqs = items.map((it) => ({ prompt: continuationPrompt(this.backend, it.instruction), continuation: it.response }));
    try {
      return toScores(await this.backend.scoreContinuation!(reqs, options));
    } catch (e) {
      if (!perItem(e) || items.length === 1) {
        if (perItem(e)) return [e as Error];
        throw e;
      }
    }
    // one bad item (too long, empty) must not sink the batch: score one by one and blame it alone
    const out: (JudgeScore | Error)[] = [];
    for (const r of reqs) {
      try {
        out.push(toScores(await this.backend.scoreContinuation!([r], options))[0]);
      } catch (e) {
        if (!perItem(e)) throw e;
        out.push(e as Error);
      }
    }
    return out;
  }
}

function perItem(e: unknown): boolean {
  return isSelfjError(e) && (e.code === 'PROMPT_TOO_LONG' || e.code === 'BAD_RECORD' || e.code === 'BAD_INPUT');
}

function toScores(rs: { logprob: number; tokens: number }[]): (JudgeScore | Error)[] {
  return rs.map((r) =>
    r.tokens > 0
      ? { score: r.logprob / r.tokens, details: { logprob: r.logprob, tokens: r.tokens, perplexity: Math.exp(-r.logprob / r.tokens) } }
      : new SelfjError('BAD_RECORD', 'The response is empty: no tokens to score.'),
  );
}
