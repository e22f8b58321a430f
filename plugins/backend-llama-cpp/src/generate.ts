/** Text generation on one context sequence: sampling options, EOG/stop-string/stop-token handling, max tokens. */
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { abortError, type GenerateOptions, type GenerateResult } from '@selfj/core';

export const DEFAULT_MAX_TOKENS = 256;

function endsWith(tokens: Token[], tail: Token[]): boolean {
  if (tail.length > tokens.length) return false;
  for (let i = 1; i <= tail.length; i++) if (tokens[tokens.length - i] !== tail[tail.length - i]) return false;
  return true;
}

/**
 * Generates after `promptTokens` (already length-checked). temperature 0 (the default) is greedy decoding and
 * deterministic; with temperature > 0 a seed makes sampling reproducible.
 */
export async function generateOnSequence(
  model: LlamaModel,
  seq: LlamaContextSequence,
  promptTokens: Token[],
  stopTokens: Token[][],
  options: GenerateOptions,
  room: number,
  chunk = Number.POSITIVE_INFINITY,
): Promise<GenerateResult> {
  const { signal } = options;
  const maxTokens = Math.max(0, Math.min(options.maxTokens ?? DEFAULT_MAX_TOKENS, room));
  const stops = (options.stop ?? []).filter((s) => s.length > 0);
  await seq.clearHistory();
  if (maxTokens === 0) return { text: '', tokens: 0, promptTokens: promptTokens.length, finishReason: 'length' };
  const temperature = options.temperature ?? 0;
  const generated: Token[] = [];
  let finishReason: GenerateResult['finishReason'] = 'length';
  let text = '';
  let cutByStopString = false;
  // Feed the prompt in fixed pieces (see LlamaCppBackend.chunk), so concurrent scoring keeps its batch layout.
  let start = 0;
  for (; promptTokens.length - start > chunk; start += chunk) {
    await seq.evaluateWithoutGeneratingNewTokens(promptTokens.slice(start, start + chunk));
    if (signal?.aborted) throw abortError(signal);
  }
  const iterator = seq.evaluate(promptTokens.slice(start), {
    temperature,
    topK: options.topK,
    topP: options.topP,
    seed: options.seed,
  });
  try {
    for await (const token of iterator) {
      if (signal?.aborted) throw abortError(signal);
      if (model.isEogToken(token)) {
        finishReason = 'stop';
        break;
      }
      generated.push(token);
      const hitStopTokens = stopTokens.find((t) => endsWith(generated, t));
      if (hitStopTokens) {
        generated.splice(generated.length - hitStopTokens.length);
        finishReason = 'stop';
        break;
      }
      if (stops.length) {
        text = model.detokenize(generated);
        const cut = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
        if (Number.isFinite(cut)) {
          text = text.slice(0, cut);
          cutByStopString = true;
          finishReason = 'stop';
          break;
        }
      }
      if (generated.length >= maxTokens) break;
    }
  } finally {
    await iterator.return(undefined);
  }
  if (!cutByStopString) text = model.detokenize(generated);
  return { text, tokens: generated.length, promptTokens: promptTokens.length, finishReason };
}
