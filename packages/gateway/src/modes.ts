/**
 * What the gateway does with one request, per mode:
 * - gate: one answer, scored; answered when score >= tau, else declined;
 * - best-of-n: n answers (parallel upstream calls, seeds seed..seed+n-1), scored in one batch; the best answered
 *   when >= tau, else declined (the judge as a reward model that abstains when all are bad);
 * - cascade: like gate, but a declined request (or a failed primary upstream) is answered by the fallback upstream;
 * - shadow: the answer goes back at once; it is scored afterwards and the decision it would have made is logged.
 * The outcome carries everything the response, headers, metrics and decision log need.
 */
import type { GatewayMode, JudgeItem, JudgeScore, SampledAnswer, Sampler } from '@selfj/core';
import { SelfjError } from '@selfj/core';
import type { Lease } from './live-judge.js';
import type { GatewayRequest } from './request.js';
import { bestIndex, verdictOf, type Decision, type FailurePolicy, type ReasonCode } from './verdict.js';

export interface Outcome {
  mode: GatewayMode;
  /** Final decision; "cascade": declined by the judge and answered by the fallback. */
  decision: Decision | 'cascade';
  reasonCode: ReasonCode | 'upstream-error' | 'shadow';
  reason: string;
  score: number | null;
  tau: number | null;
  /** The answer given (undefined when declined). */
  answer?: SampledAnswer;
  source: 'primary' | 'fallback' | 'none';
  /** best-of-n: every candidate's score (null: not scored). */
  candidates?: { index: number; score: number | null }[];
  chosen?: number;
  /** Tokens generated for this request over all candidates and upstreams. */
  completionTokens: number;
  /** Tokens of the prompt as the answering upstream read it (0 when no upstream said). */
  promptTokens: number;
  timings: { upstreamMs: number; judgeMs?: number; fallbackMs?: number };
  /** Shadow: the scoring still to come (resolves to the would-be verdict for the log). */
  shadow?: Promise<Omit<Outcome, 'shadow'>>;
  /** Text of every candidate, for the decision log with text logging on. */
  texts?: string[];
}

export interface FlowDeps {
  upstream: Sampler;
  fallback?: Sampler;
  policy: FailurePolicy;
  judgeTimeoutMs: number;
  /** Counts a failed upstream call (role, error). */
  onUpstreamError(role: 'primary' | 'fallback', e: unknown): void;
  onJudgeFailure(kind: 'error' | 'timeout' | 'unscorable'): void;
  /** Shadow scoring admission: false when the backlog is full (the answer is then logged unscored). */
  admitShadow(): boolean;
  shadowDone(): void;
}

const ms = (t0: number) => performance.now() - t0;

/** n answers from one sampler: n single-answer requests (seed + i), so they run in parallel. */
async function sampleAnswers(sampler: Sampler, r: GatewayRequest, n: number, signal: AbortSignal): Promise<SampledAnswer[]> {
  const requests = Array.from({ length: n }, (_, i) => ({ instruction: r.instruction, messages: r.messages, seed: r.seed === undefined ? undefined : r.seed + i }));
  const out = await sampler.sample(requests, { ...r.settings, n: 1 }, { signal });
  return out.map((a) => {
    if (a instanceof Error) throw a;
    if (!a[0]) throw new SelfjError('INTERNAL', `The sampler ${sampler.id} returned no answer.`);
    return a[0];
  });
}

const tokensOf = (answers: SampledAnswer[]) => answers.reduce((s, a) => s + (a.tokens ?? 0), 0);
/** The prompt's length in tokens, counted once (as OpenAI's usage does for n answers), from the answers that say it. */
const promptOf = (answers: SampledAnswer[]) => Math.max(0, ...answers.map((a) => a.promptTokens ?? 0));

/** Scores answers through the lease's micro-batcher; a judge that throws or takes too long fails each item. */
async function scoreAll(lease: Lease, items: JudgeItem[], d: FlowDeps, signal: AbortSignal): Promise<(JudgeScore | Error)[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SelfjError('TIMEOUT', `the judge took longer than ${d.judgeTimeoutMs} ms`)), d.judgeTimeoutMs);
  });
  try {
    const out = await Promise.race([lease.score(items, signal), timeout]);
    for (const s of out) if (s instanceof Error) d.onJudgeFailure('unscorable');
    return out;
  } catch (e) {
    if (signal.aborted) throw e;
    d.onJudgeFailure(e instanceof SelfjError && e.code === 'TIMEOUT' ? 'timeout' : 'error');
    return items.map(() => (e instanceof Error ? e : new Error(String(e))));
  } finally {
    clearTimeout(timer);
  }
}

/** Scores the candidates and decides on the best (one candidate: plain gate). */
async function judgeAndDecide(r: GatewayRequest, answers: SampledAnswer[], lease: Lease, d: FlowDeps, signal: AbortSignal) {
  const t0 = performance.now();
  const scores = await scoreAll(lease, answers.map((a) => ({ instruction: r.instruction, response: a.text })), d, signal);
  const judgeMs = ms(t0);
  const best = bestIndex(scores);
  const chosen = Math.max(best, 0);
  const verdict = verdictOf(scores[chosen], lease.tau, d.policy);
  const candidates = answers.length > 1 ? scores.map((s, index) => ({ index, score: s instanceof Error ? null : s.score })) : undefined;
  return { verdict, chosen, candidates, judgeMs };
}

export async function runMode(r: GatewayRequest, lease: Lease, d: FlowDeps, signal: AbortSignal): Promise<Outcome> {
  const tau = lease.tau;
  const texts = (a: SampledAnswer[]) => a.map((x) => x.text);
  if (r.mode === 'shadow') {
    const t0 = performance.now();
    const answers = await primary(r, 1, d, signal);
    const base: Outcome = {
      mode: 'shadow', decision: 'answer', reasonCode: 'shadow', reason: 'shadow mode: answered; scored after the response (see the decision log)',
      score: null, tau, answer: answers[0], source: 'primary', completionTokens: tokensOf(answers), promptTokens: promptOf(answers), timings: { upstreamMs: ms(t0) }, texts: texts(answers),
    };
    if (!d.admitShadow()) return base;
    // Scored after the response: the request's own signal ends with the response, so the scoring does not use it.
    const scoring = judgeAndDecide(r, answers, lease, d, new AbortController().signal)
      .then(({ verdict, judgeMs }) => ({ ...base, decision: verdict.decision, reasonCode: verdict.reasonCode, reason: verdict.reason, score: verdict.score, timings: { ...base.timings, judgeMs } }))
      .finally(() => d.shadowDone());
    return { ...base, shadow: scoring };
  }

  const n = r.mode === 'best-of-n' ? r.n : 1;
  const t0 = performance.now();
  let answers: SampledAnswer[];
  try {
    answers = await primary(r, n, d, signal);
  } catch (e) {
    // cascade: a primary that cannot answer is one more reason to ask the fallback.
    if (r.mode !== 'cascade' || !d.fallback || signal.aborted) throw e;
    const why = `the primary upstream failed (${(e as Error).message.split('\n')[0]})`;
    return fallbackOutcome(r, d, signal, { upstreamMs: ms(t0) }, tau, null, 'upstream-error', why, 0, 0);
  }
  const upstreamMs = ms(t0);
  const { verdict, chosen, candidates, judgeMs } = await judgeAndDecide(r, answers, lease, d, signal);
  const spent = tokensOf(answers);
  const answered = verdict.decision !== 'decline';
  if (!answered && r.mode === 'cascade' && d.fallback) {
    return { ...(await fallbackOutcome(r, d, signal, { upstreamMs, judgeMs }, tau, verdict.score, verdict.reasonCode, verdict.reason, spent, promptOf(answers))), texts: texts(answers) };
  }
  return {
    mode: r.mode, decision: verdict.decision, reasonCode: verdict.reasonCode, reason: verdict.reason, score: verdict.score, tau,
    answer: answered ? answers[chosen] : undefined, source: answered ? 'primary' : 'none', candidates, chosen: candidates ? chosen : undefined,
    completionTokens: spent, promptTokens: promptOf(answers), timings: { upstreamMs, judgeMs }, texts: texts(answers),
  };
}

async function primary(r: GatewayRequest, n: number, d: FlowDeps, signal: AbortSignal): Promise<SampledAnswer[]> {
  try {
    return await sampleAnswers(d.upstream, r, n, signal);
  } catch (e) {
    if (!signal.aborted) d.onUpstreamError('primary', e);
    throw e;
  }
}

async function fallbackOutcome(
  r: GatewayRequest, d: FlowDeps, signal: AbortSignal, timings: Outcome['timings'], tau: number | null,
  score: number | null, reasonCode: Outcome['reasonCode'], why: string, spent: number, promptSpent: number,
): Promise<Outcome> {
  const t0 = performance.now();
  let answer: SampledAnswer;
  try {
    [answer] = await sampleAnswers(d.fallback!, r, 1, signal);
  } catch (e) {
    if (signal.aborted) throw e;
    d.onUpstreamError('fallback', e);
    // Neither upstream gave a usable answer: decline (never an unjudged primary answer).
    return {
      mode: 'cascade', decision: 'decline', reasonCode, reason: `${why}; the fallback failed too (${(e as Error).message.split('\n')[0]})`,
      score, tau, source: 'none', completionTokens: spent, promptTokens: promptSpent, timings: { ...timings, fallbackMs: ms(t0) },
    };
  }
  return {
    mode: 'cascade', decision: 'cascade', reasonCode, reason: `${why}; answered by the fallback upstream`, score, tau, answer, source: 'fallback',
    completionTokens: spent + (answer.tokens ?? 0), promptTokens: Math.max(promptSpent, promptOf([answer])), timings: { ...timings, fallbackMs: ms(t0) },
  };
}
