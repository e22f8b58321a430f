/**
 * From judge scores to a decision. The rule is `selfj select`'s own `decide(score, tau)` (answer iff score >= tau,
 * decline everything when no tau was certified) and best-of-n picks like `selfj rerank` (the highest score, ties
 * to the lowest index), so the gateway decides exactly as the offline commands do on the same scores. A score the
 * judge could not give is never silently an answer: fail-closed declines it, fail-open answers it marked unscored.
 */
import { decide } from '@selfj/core/decide';
import { isSelfjError, type JudgeScore } from '@selfj/core';

export type Decision = 'answer' | 'decline' | 'answer-unscored';
export type ReasonCode = 'above-threshold' | 'below-threshold' | 'no-threshold' | 'judge-unavailable' | 'unscorable';
export type FailurePolicy = 'fail-closed' | 'fail-open';

export interface Verdict {
  decision: Decision;
  reasonCode: ReasonCode;
  /** For people: select's reason ("score 6.120 >= tau 5.500"), or why the judge could not score. */
  reason: string;
  score: number | null;
}

/** Errors of one answer alone (too long for the judge's context, bad text), as opposed to the judge being down. */
function itemOnly(e: Error): boolean {
  return isSelfjError(e) && (e.code === 'PROMPT_TOO_LONG' || e.code === 'BAD_RECORD' || e.code === 'BAD_INPUT');
}

export function verdictOf(s: JudgeScore | Error, tau: number | null, policy: FailurePolicy): Verdict {
  if (s instanceof Error) {
    const reasonCode: ReasonCode = itemOnly(s) ? 'unscorable' : 'judge-unavailable';
    const what = reasonCode === 'unscorable' ? 'the judge cannot score this answer' : 'judge unavailable';
    const msg = s.message.split('\nPossible solutions:')[0];
    return policy === 'fail-open'
      ? { decision: 'answer-unscored', reasonCode, reason: `${what} (${msg}); answered unscored under fail-open`, score: null }
      : { decision: 'decline', reasonCode, reason: `${what} (${msg})`, score: null };
  }
  const d = decide(s.score, tau);
  const reasonCode: ReasonCode = d.decision === 'answer' ? 'above-threshold' : tau === null ? 'no-threshold' : 'below-threshold';
  return { decision: d.decision, reasonCode, reason: d.reason, score: s.score };
}

/** Index of the best-scored answer (ties: the lowest index), or -1 when none was scored. */
export function bestIndex(scores: (JudgeScore | Error)[]): number {
  let best = -1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s instanceof Error) continue;
    if (best < 0 || s.score > (scores[best] as JudgeScore).score) best = i;
  }
  return best;
}

/** The decline text: the configured template with {{reason}}, {{score}} and {{tau}} filled in. */
export function declineText(template: string, v: { reason: string; score: number | null }, tau: number | null): string {
  const vars: Record<string, string> = {
    reason: v.reason,
    score: v.score === null ? 'none' : v.score.toFixed(3),
    tau: tau === null ? 'none' : tau.toFixed(3),
  };
  return template.replace(/\{\{\s*(reason|score|tau)\s*\}\}/g, (_, k: string) => vars[k]);
}
