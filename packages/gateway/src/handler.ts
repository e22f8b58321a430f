/**
 * One completion request from start to end: parse, lease the current judge and threshold, run the mode under the
 * request's deadline, build the reply, and account for it (metrics and one decision-log line; shadow requests log
 * after their late scoring). The lease is held until the request's last use of the judge, so a reload never
 * changes the judge or tau under a request.
 */
import type { GatewayConfig, GatewayMode, Sampler } from '@selfj/core';
import { redact } from '@selfj/core/infra';
import type { DecisionLog } from './decision-log.js';
import { ApiError, errorCode } from './errors.js';
import type { LiveJudge } from './live-judge.js';
import type { GatewayMetrics } from './metrics.js';
import { runMode, type FlowDeps, type Outcome } from './modes.js';
import { parseRequest, type GatewayRequest, type RequestDefaults } from './request.js';
import { buildReply, type Reply } from './wire.js';

export interface HandlerDeps {
  config: GatewayConfig;
  upstream: Sampler;
  fallback?: Sampler;
  live: LiveJudge;
  metrics: GatewayMetrics;
  log?: DecisionLog;
  defaults: RequestDefaults;
  secrets(): readonly string[];
  notice?: (line: string) => void;
}

export interface RequestContext {
  requestId: string;
  /** The API key's name (never the key), when keys are required. */
  keyName?: string;
  /** Fires when the client goes away or the request's deadline passes. */
  signal: AbortSignal;
  /** Set when the deadline (not the client) ended the request. */
  timedOut(): boolean;
}

/** Shadow answers waiting to be scored, bounded; close() waits for them. */
export class ShadowBacklog {
  private pending = new Set<Promise<unknown>>();
  private count = 0;
  constructor(private readonly max: number) {}
  admit(): boolean {
    if (this.count >= this.max) return false;
    this.count++;
    return true;
  }
  done(): void {
    this.count--;
  }
  track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
  async drain(deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (this.pending.size && Date.now() < end) await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, Math.max(1, end - Date.now())))]);
  }
}

export class CompletionHandler {
  readonly shadow: ShadowBacklog;

  constructor(private readonly d: HandlerDeps) {
    this.shadow = new ShadowBacklog(d.config.shadowBacklog);
  }

  private flowDeps(): FlowDeps {
    const { metrics, config } = this.d;
    return {
      upstream: this.d.upstream,
      fallback: this.d.fallback,
      policy: config.onJudgeFailure,
      judgeTimeoutMs: config.judgeTimeoutMs,
      onUpstreamError: (role, e) => metrics.upstreamErrors.inc({ upstream: role, code: errorCode(e) }),
      onJudgeFailure: (kind) => metrics.judgeFailures.inc({ kind }),
      admitShadow: () => this.shadow.admit(),
      shadowDone: () => this.shadow.done(),
    };
  }

  async handle(kind: 'chat' | 'completions', body: unknown, ctx: RequestContext): Promise<Reply> {
    const t0 = performance.now();
    const r = parseRequest(kind, body, this.d.defaults);
    if (r.mode === 'cascade' && !this.d.fallback) {
      throw new ApiError(400, 'The cascade mode needs a fallback upstream, and this gateway has none.', 'invalid_request_error', 'selfj.mode');
    }
    const { metrics } = this.d;
    const lease = this.d.live.acquire();
    let outcome: Outcome;
    try {
      outcome = await runMode(r, lease, this.flowDeps(), ctx.signal);
    } catch (e) {
      lease.release();
      const err = ctx.timedOut() ? new ApiError(504, `The request took longer than this gateway's limit of ${this.d.config.requestTimeoutMs} ms.`, 'timeout', null, 'request_timeout') : e;
      this.writeLog(r, ctx, undefined, performance.now() - t0, lease.generation, lease.threshold.hash, err);
      throw err;
    }
    const totalMs = performance.now() - t0;
    metrics.phase.observe({ phase: 'upstream' }, outcome.timings.upstreamMs / 1000);
    if (outcome.timings.fallbackMs !== undefined) metrics.phase.observe({ phase: 'fallback' }, outcome.timings.fallbackMs / 1000);
    if (outcome.shadow) {
      const late = outcome.shadow
        .then((o) => {
          this.account(o);
          this.writeLog(r, ctx, o, totalMs, lease.generation, lease.threshold.hash);
        })
        .catch((e) => this.writeLog(r, ctx, outcome, totalMs, lease.generation, lease.threshold.hash, e))
        .finally(() => lease.release());
      this.shadow.track(late);
    } else {
      lease.release();
      this.account(outcome);
      if (outcome.mode === 'shadow') {
        metrics.shadowDropped.inc();
        this.writeLog(r, ctx, { ...outcome, reason: 'shadow backlog full: logged unscored' }, totalMs, lease.generation, lease.threshold.hash);
      } else this.writeLog(r, ctx, outcome, totalMs, lease.generation, lease.threshold.hash);
    }
    metrics.phase.observe({ phase: 'total' }, totalMs / 1000);
    return buildReply(r, outcome, {
      requestId: ctx.requestId,
      created: Math.floor(Date.now() / 1000),
      declineMessage: this.d.config.declineMessage,
      declineAs: this.d.config.declineAs,
      thresholdHash: lease.threshold.hash,
    });
  }

  /** Metrics of a decided outcome (shadow: the decision it would have made). */
  private account(o: Outcome): void {
    const { metrics } = this.d;
    if (o.timings.judgeMs !== undefined) metrics.phase.observe({ phase: 'judge' }, o.timings.judgeMs / 1000);
    if (o.score !== null) metrics.observeScore(o.mode, o.score);
    metrics.decisions.inc({ mode: o.mode, decision: o.decision });
    if (o.decision === 'decline' || o.decision === 'cascade') metrics.declines.inc({ mode: o.mode, reason: o.reasonCode });
    if (o.decision === 'cascade') metrics.cascades.inc();
  }

  private writeLog(r: GatewayRequest, ctx: RequestContext, o: Outcome | undefined, totalMs: number, generation: number, threshold: string, error?: unknown): void {
    const log = this.d.log;
    if (!log) return;
    const secrets = this.d.secrets();
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      id: ctx.requestId,
      ...(ctx.keyName ? { key: ctx.keyName } : {}),
      route: r.kind,
      mode: r.mode as GatewayMode,
      n: r.n,
      ...(o
        ? {
            decision: o.decision,
            reasonCode: o.reasonCode,
            reason: redact(o.reason, secrets),
            score: o.score,
            tau: o.tau,
            source: o.source,
            ...(o.candidates ? { candidates: o.candidates.map((c) => c.score), chosen: o.chosen } : {}),
            ...(r.mode === 'shadow' ? { shadow: true } : {}),
          }
        : { decision: 'error' }),
      threshold,
      generation,
      upstreamMs: o?.timings.upstreamMs,
      judgeMs: o?.timings.judgeMs,
      fallbackMs: o?.timings.fallbackMs,
      totalMs,
      ...(error ? { error: { code: errorCode(error), message: redact(error instanceof Error ? error.message.split('\n')[0] : String(error), secrets) } } : {}),
      // With text: the request, every answer the judge scored (declined ones too), and what the client got.
      ...(this.d.config.log.text ? { request: r.messages ?? r.instruction, texts: o?.texts, answer: o?.answer?.text } : {}),
    };
    for (const k of ['upstreamMs', 'judgeMs', 'fallbackMs', 'totalMs']) if (typeof line[k] === 'number') line[k] = Math.round((line[k] as number) * 1000) / 1000;
    try {
      log.write(line);
    } catch (e) {
      this.d.notice?.(`decision log write failed: ${(e as Error).message}`);
    }
  }
}
