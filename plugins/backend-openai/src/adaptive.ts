/**
 * Adaptive concurrency for one server, AIMD in the manner of TCP congestion control: the number of requests in
 * flight grows while the server keeps up (by one per answer at first, "slow start", then by 1/limit per answer,
 * i.e. one per round trip) and is cut when it does not: halved on 429, 5xx, timeouts and connection failures,
 * reduced by 10% when latency per unit of work rises above `tolerance` (3) times its baseline (the server is queueing).
 * One cut per round trip: a burst of failures from the same overload counts once.
 */
export interface AdaptiveLimitOptions {
  /** Fixed limit (no adaptation) when false. */
  adaptive: boolean;
  /** Upper bound (and the fixed limit). */
  max: number;
  /** Starting limit (default min(max, 4)). */
  initial?: number;
  /** Latency above tolerance x baseline counts as congestion (default 3: servers that batch get slower per request as they fill, and still gain throughput). */
  tolerance?: number;
}

export class AdaptiveLimit {
  private value: number;
  private slowStart = true;
  /** Baseline latency per unit of work: follows a new minimum at once, drifts up slowly (the server may get slower). */
  private baseline = Infinity;
  /** Answers to wait after a cut before the next cut of that kind (about one round trip). A latency cut never
   * holds off an overload cut: a burst of 429s right after a mild latency cut still halves the limit. */
  private latencyHold = 0;
  private overloadHold = 0;
  readonly max: number;
  private readonly tolerance: number;

  constructor(private readonly o: AdaptiveLimitOptions) {
    this.max = Math.max(1, Math.floor(o.max));
    this.value = o.adaptive ? Math.min(this.max, Math.max(1, o.initial ?? 4)) : this.max;
    this.tolerance = o.tolerance ?? 3;
  }

  /** Requests this server may have in flight now. */
  get limit(): number {
    return Math.max(1, Math.floor(this.value));
  }

  /** A successful answer after `ms`, for a request of `weight` units of work (prompts), with `inFlight` running. */
  onSuccess(ms: number, weight: number, inFlight: number): void {
    if (!this.o.adaptive) return;
    if (this.latencyHold > 0) this.latencyHold--;
    if (this.overloadHold > 0) this.overloadHold--;
    const unit = ms / Math.max(1, weight);
    this.baseline = unit < this.baseline ? unit : this.baseline + (unit - this.baseline) * 0.0005;
    if (unit > this.baseline * this.tolerance && this.value > 1) {
      if (this.latencyHold === 0) this.cut(0.9);
      return;
    }
    // Grow only when the limit is what holds requests back (no growth on an idle server).
    if (inFlight + 1 >= this.limit) this.value = Math.min(this.max, this.value + (this.slowStart ? 1 : 1 / this.value));
  }

  /** Overload (429, 5xx, timeout, connection failure): multiplicative decrease. */
  onOverload(): void {
    if (!this.o.adaptive) return;
    this.slowStart = false;
    if (this.overloadHold > 0) return;
    this.cut(0.5);
    this.overloadHold = this.limit;
  }

  private cut(factor: number): void {
    this.slowStart = false;
    this.value = Math.max(1, this.value * factor);
    this.latencyHold = this.limit;
  }
}
