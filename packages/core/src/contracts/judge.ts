/**
 * Judge: a score for each (instruction, answer) pair. The trained Self-J head, the zero-shot self-evaluation, any
 * model as an LLM judge, a remote reward model and the no-model baselines are all Judges; the judge stage, the
 * gateway and meta-evaluation call this and nothing more specific.
 */
export interface JudgeItem {
  instruction: string;
  response: string;
  /** Reference answer: only judges with `usesReference` read it (reference-free judges must not). */
  reference?: string;
}

export interface JudgeScore {
  /** Higher is better, on the judge's `scale`. */
  score: number;
  /** Distribution over the scale's bins, where the judge has one (selfj's own judges: digits 0..9). */
  probs?: number[];
  /**
   * Judge-specific numbers written beside the score (selfj's judges: `mode`, `z0` the zero-shot score,
   * `digitMass` and `coverage` of the digit read-out).
   */
  details?: Record<string, unknown>;
}

export interface Judge {
  readonly id: string;
  /** The range scores fall in (selfj's digit judges: 0..9). */
  readonly scale: { min: number; max: number };
  /** True when the judge needs `reference` (a reference-based LLM judge); reference-free judges ignore it. */
  readonly usesReference: boolean;
  /** Everything that changes scores (model, template, weights): goes into artifact config hashes. */
  fingerprint(): Promise<Record<string, unknown>>;
  /**
   * One entry per item, in order: its score, or the Error that item alone caused (a `SelfjError` with code
   * BAD_RECORD or PROMPT_TOO_LONG rejects just that record). Faults of the machinery are thrown instead.
   */
  score(items: JudgeItem[], options?: { signal?: AbortSignal }): Promise<(JudgeScore | Error)[]>;
  close?(): Promise<void>;
}
