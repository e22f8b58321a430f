/**
 * Reads next-token alternatives out of the response shapes of OpenAI-compatible servers and maps them onto the
 * candidate strings selfj asks about. A candidate that is not among the returned alternatives stays `undefined`
 * (partial coverage) unless the alternatives provably cover the whole distribution, in which case it is 0.
 */
import type { CandidateProbabilities } from '@selfj/core';

export interface Alternative {
  token: string;
  logprob: number;
  id?: number;
}

interface TopEntry {
  token?: string;
  tok_str?: string;
  logprob?: number | null;
  prob?: number;
  id?: number;
}
interface PositionEntry extends TopEntry {
  top_logprobs?: TopEntry[];
  probs?: TopEntry[];
  content?: string;
}

function entry(e: TopEntry): Alternative | undefined {
  const token = e.token ?? e.tok_str;
  if (typeof token !== 'string') return undefined;
  const logprob = typeof e.logprob === 'number' ? e.logprob : typeof e.prob === 'number' ? Math.log(e.prob) : -Infinity;
  return { token, logprob, id: typeof e.id === 'number' ? e.id : undefined };
}

/** The top list of one position plus its chosen token, without counting the chosen one twice. */
function fromPosition(pos: PositionEntry | undefined): Alternative[] | undefined {
  if (!pos) return undefined;
  const list = pos.top_logprobs ?? pos.probs;
  if (!Array.isArray(list)) return undefined;
  const alts = list.map(entry).filter((a): a is Alternative => a !== undefined);
  const chosen = entry({ ...pos, token: pos.token ?? pos.content });
  if (chosen && Number.isFinite(chosen.logprob)) {
    const dup = alts.some((a) => (a.id !== undefined && chosen.id !== undefined ? a.id === chosen.id : a.token === chosen.token));
    if (!dup) alts.push(chosen);
  }
  return alts;
}

/** /v1/chat/completions: choices[0].logprobs.content[0].top_logprobs. */
export function alternativesFromChat(json: unknown): Alternative[] | undefined {
  const lp = (json as { choices?: { logprobs?: { content?: PositionEntry[] } | null }[] })?.choices?.[0]?.logprobs;
  return fromPosition(lp?.content?.[0]);
}

/**
 * /v1/completions (choice `index` for a list of prompts): the legacy shape (top_logprobs[0] is a {token: logprob} map, as OpenAI and vLLM return it)
 * or the chat-like shape some llama.cpp builds return (logprobs.content[0].top_logprobs).
 */
export function alternativesFromCompletions(json: unknown, index = 0): Alternative[] | undefined {
  const choices = (
    json as {
      choices?: {
        index?: number;
        logprobs?: { top_logprobs?: (Record<string, number> | null)[]; tokens?: string[]; token_logprobs?: number[]; content?: PositionEntry[] } | null;
      }[];
    }
  )?.choices;
  // A list of prompts gets one choice per prompt, identified by `index` (servers may answer them out of order).
  const lp = (choices?.find((c) => c.index === index) ?? (choices?.every((c) => c.index === undefined) ? choices[index] : undefined))?.logprobs;
  if (!lp) return undefined;
  if (Array.isArray(lp.content)) return fromPosition(lp.content[0]);
  const map = lp.top_logprobs?.[0];
  if (!map || typeof map !== 'object') return undefined;
  const alts: Alternative[] = Object.entries(map).map(([token, logprob]) => ({ token, logprob: logprob ?? -Infinity }));
  const chosen = lp.tokens?.[0];
  const chosenLp = lp.token_logprobs?.[0];
  if (typeof chosen === 'string' && typeof chosenLp === 'number' && !(chosen in map)) alts.push({ token: chosen, logprob: chosenLp });
  return alts;
}

/** llama.cpp server's native /completion with n_probs (new shape: top_logprobs; old shape: probs with tok_str). */
export function alternativesFromLlamaNative(json: unknown): Alternative[] | undefined {
  const cp = (json as { completion_probabilities?: PositionEntry[] })?.completion_probabilities;
  return fromPosition(cp?.[0]);
}

/** Raw tokenizer markers some servers leave in token text: SentencePiece "▁" and a leading GPT-2 "Ġ" mean a space. */
export function normaliseToken(token: string): string {
  let t = token.includes('\u2581') ? token.replace(/\u2581/g, ' ') : token;
  if (t.startsWith('\u0120')) t = ` ${t.slice(1)}`;
  return t;
}

export interface MapOptions {
  /** The server returned the whole vocabulary (e.g. vLLM with logprobs -1), so unseen means probability 0. */
  complete?: boolean;
  /**
   * Also count the space-prefixed token " 7" for candidate "7" when " 7" is not itself a candidate. Off by default:
   * the contract is "the next token is exactly the candidate", and the digit scorer asks for both forms itself.
   */
  mergeSpaceVariants?: boolean;
  /** Returned probability mass at or above 1 - massEpsilon counts as the whole distribution (default 1e-5). */
  massEpsilon?: number;
}

export function mapCandidates(alts: Alternative[], candidates: string[], options: MapOptions = {}): CandidateProbabilities {
  const seen = new Map<string, number>();
  let mass = 0;
  for (const a of alts) {
    const p = Number.isFinite(a.logprob) ? Math.exp(a.logprob) : 0;
    mass += p;
    const key = normaliseToken(a.token);
    // Two vocabulary entries can decode to the same text (a piece and its byte-fallback twin). The candidate is
    // one token in the model's own tokenizer, the canonical piece, which is the likelier one: keep the maximum.
    seen.set(key, Math.max(seen.get(key) ?? 0, p));
  }
  const whole = options.complete === true || mass >= 1 - (options.massEpsilon ?? 1e-5);
  const asked = new Set(candidates);
  const probs: Record<string, number | undefined> = {};
  let allKnown = true;
  for (const c of candidates) {
    let v = seen.get(c);
    if (options.mergeSpaceVariants && !c.startsWith(' ') && !asked.has(` ${c}`)) {
      const spaced = seen.get(` ${c}`);
      if (spaced !== undefined) v = (v ?? 0) + spaced;
    }
    if (v === undefined && whole) v = 0;
    if (v === undefined) allKnown = false;
    probs[c] = v;
  }
  return { probs, coverage: allKnown ? 'full' : 'partial' };
}
