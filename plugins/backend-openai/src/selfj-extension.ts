/**
 * The client side of `selfj serve`'s extensions: POST /v1/selfj/next-token-probabilities (a batch of prompts, each
 * answered by the served backend's own nextTokenProbabilities: exact, no top-k cut, no vocabulary on the wire) and
 * /v1/selfj/top-tokens (the served backend's topTokens with ids).
 */
import { SelfjError, type CandidateProbabilities, type Prompt, type TopToken } from '@selfj/core';
import type { Batcher } from './batches.js';
import type { HttpTransport } from './transport.js';

type Row = { probs?: Record<string, number | null>; coverage?: string; ids?: Record<string, number | null> };

export function candidatesViaExtension(
  http: HttpTransport,
  model: string,
  batcher: Batcher,
  prompts: Prompt[],
  candidates: string[],
  signal?: AbortSignal,
): Promise<CandidateProbabilities[]> {
  return batcher.run(
    prompts,
    async (chunk, s) => {
      const json = await http.json<{ results?: Row[] }>({
        path: '/selfj/next-token-probabilities',
        body: { model, prompts: chunk, candidates },
        signal: s,
        weight: chunk.length,
      });
      const rows = json?.results;
      if (!Array.isArray(rows) || rows.length !== chunk.length) {
        throw new SelfjError('HTTP_ERROR', `The selfj server returned ${rows?.length ?? 0} results for ${chunk.length} prompts.`);
      }
      return rows.map((r): CandidateProbabilities => {
        const probs: Record<string, number | undefined> = {};
        for (const c of candidates) probs[c] = typeof r.probs?.[c] === 'number' ? r.probs[c] : undefined;
        const ids = r.ids ? Object.fromEntries(Object.entries(r.ids).map(([c, id]) => [c, id ?? undefined])) : undefined;
        // Passed through as the served backend reports it (its own meaning of undefined under "full" included).
        return { probs, coverage: r.coverage === 'full' ? 'full' : 'partial', ...(ids ? { ids } : {}) };
      });
    },
    signal,
  );
}

export async function topTokensViaExtension(http: HttpTransport, model: string, prompt: Prompt, k: number, signal?: AbortSignal): Promise<TopToken[]> {
  const json = await http.json<{ tokens?: TopToken[] }>({
    path: '/selfj/top-tokens',
    body: { model, prompt, k: Number.isFinite(k) && k >= 0 ? k : -1 },
    signal,
  });
  if (!Array.isArray(json?.tokens)) throw new SelfjError('HTTP_ERROR', 'The selfj server returned no token list.');
  return json.tokens;
}
