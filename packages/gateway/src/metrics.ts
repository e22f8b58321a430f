/**
 * The gateway's Prometheus metrics (prom-client, on a registry of its own so that two gateways in one process or
 * a host application's metrics never mix). Label values are small fixed sets (mode, decision, reason code, phase,
 * upstream role, error code); never request data or key names.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const PREFIX = 'selfj_gateway_';
/** Seconds: 1 ms to 2 min. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'status'>;
  readonly decisions: Counter<'mode' | 'decision'>;
  readonly declines: Counter<'mode' | 'reason'>;
  readonly cascades: Counter<string>;
  readonly upstreamErrors: Counter<'upstream' | 'code'>;
  readonly judgeFailures: Counter<'kind'>;
  readonly rateLimited: Counter<string>;
  readonly shadowDropped: Counter<string>;
  readonly reloads: Counter<'result'>;
  private scoreHistogram: Histogram<'mode'> | undefined;
  readonly phase: Histogram<'phase'>;
  readonly batchSize: Histogram<string>;
  readonly batchWait: Histogram<string>;
  readonly inFlight: Gauge<string>;
  readonly tau: Gauge<string>;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({ name: `${PREFIX}requests_total`, help: 'HTTP requests by route and status code', labelNames: ['route', 'status'], registers });
    this.decisions = new Counter({
      name: `${PREFIX}decisions_total`,
      help: 'Requests by mode and final decision (answer, decline, cascade, answer-unscored; shadow: the decision it would have made)',
      labelNames: ['mode', 'decision'],
      registers,
    });
    this.declines = new Counter({
      name: `${PREFIX}declines_total`,
      help: 'Declines (and shadow would-be declines) by reason: below-threshold, no-threshold, judge-unavailable, unscorable',
      labelNames: ['mode', 'reason'],
      registers,
    });
    this.cascades = new Counter({ name: `${PREFIX}cascades_total`, help: 'Requests answered by the fallback upstream', registers });
    this.upstreamErrors = new Counter({ name: `${PREFIX}upstream_errors_total`, help: 'Failed upstream calls by upstream (primary, fallback) and error code', labelNames: ['upstream', 'code'], registers });
    this.judgeFailures = new Counter({ name: `${PREFIX}judge_failures_total`, help: 'Answers the judge could not score: error, timeout, unscorable', labelNames: ['kind'], registers });
    this.rateLimited = new Counter({ name: `${PREFIX}rate_limited_total`, help: 'Requests refused with 429 by the per-key rate limit', registers });
    this.shadowDropped = new Counter({ name: `${PREFIX}shadow_unscored_total`, help: 'Shadow answers logged unscored because the scoring backlog was full', registers });
    this.reloads = new Counter({ name: `${PREFIX}reloads_total`, help: 'Threshold/judge reloads by result (ok, failed)', labelNames: ['result'], registers });
    this.phase = new Histogram({
      name: `${PREFIX}phase_seconds`,
      help: 'Latency per phase: upstream (answers), judge (scoring, incl. batching wait), fallback, total',
      labelNames: ['phase'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({ name: `${PREFIX}judge_batch_size`, help: 'Answers per judge call (micro-batching)', buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers });
    this.batchWait = new Histogram({ name: `${PREFIX}judge_batch_wait_seconds`, help: 'How long the oldest answer of a judge call waited for it', buckets: LATENCY_BUCKETS, registers });
    this.inFlight = new Gauge({ name: `${PREFIX}in_flight`, help: 'Requests being handled', registers });
    this.tau = new Gauge({ name: `${PREFIX}tau`, help: 'The threshold in use (NaN: none certified, every request is declined)', registers });
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  /** Creates the score histogram with 18 buckets over the judge's scale (once; the first judge's scale stays). */
  scoreScale(scale: { min: number; max: number }): void {
    if (this.scoreHistogram) return;
    const step = (scale.max - scale.min) / 18;
    this.scoreHistogram = new Histogram({
      name: `${PREFIX}score`,
      help: 'Judge score of the answer a decision was made on',
      labelNames: ['mode'],
      buckets: Array.from({ length: 18 }, (_, i) => Number((scale.min + (i + 1) * step).toFixed(6))),
      registers: [this.registry],
    });
  }

  observeScore(mode: string, score: number): void {
    this.scoreHistogram?.observe({ mode }, score);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
