/**
 * The HTTP side of the OpenAI backend: a pool of servers, each with keep-alive connections (undici) and its own
 * adaptive concurrency limit (adaptive.ts); every attempt goes to the least-loaded server that is not paused;
 * per-attempt timeouts; retries with full-jitter backoff that honour Retry-After; failover to another server; a
 * connection budget (connectRetryMs) that waits out a server restart with one notice per outage; AbortSignal.
 * The API key lives in a private field and is redacted from every message this class produces.
 */
import { SelfjError, abortError } from '@selfj/core';
import { Semaphore, redact, safeURL } from '@selfj/core/infra';
import { Endpoint } from './endpoint.js';
import { describeNetworkError, exhaustedError, isRetryableStatus, serverError, statusError, type Failure } from './failures.js';
import { backoffDelay, parseRetryAfter, sleep } from './retry.js';
import { WireError, send, type InFlight } from './wire.js';

export { normaliseBaseURL } from './endpoint.js';

export interface TransportOptions {
  /** OpenAI base URLs, e.g. "http://host:8000/v1"; several form a load-balanced pool. */
  baseURLs: string[];
  apiKey?: string;
  /** Extra request headers (values are treated as secrets in messages). */
  headers?: Record<string, string>;
  /** Most requests in flight per server (default 16); the adaptive limit moves between 1 and this. */
  concurrency?: number;
  /** Adapt each server's limit to its latency and overload signals (default true); false: fixed at `concurrency`. */
  adaptive?: boolean;
  /** Extra attempts after the first, for failures other than unreachable servers (default 4). */
  maxRetries?: number;
  /** Per-attempt timeout, headers and body (default 120 s). */
  timeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After the client waits (default 60 s); longer values are cut to this. */
  maxRetryAfterMs?: number;
  /** How long a failing server is tried last, when others are healthy (default 5 s). */
  unhealthyMs?: number;
  /** How long to keep retrying while no server answers at all (refused, reset; default 60 s). */
  connectRetryMs?: number;
  /** Receives one line per retry / failure (already redacted). */
  logger?: (line: string) => void;
  /** Receives one line when the client starts waiting for an unreachable or rate-limiting server, and when it is back. */
  onNotice?: (message: string) => void;
  /** Source of randomness for the jitter (tests). */
  random?: () => number;
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  /** Path under the base URL ("/completions"), or under the server root when `root` is true ("/tokenize"). */
  path: string;
  root?: boolean;
  body?: unknown;
  signal?: AbortSignal;
  /** Units of work in the request (prompts), so latency per unit can be compared across request sizes. */
  weight?: number;
}

type Outcome = { ok: true; body: unknown } | { ok: false; failure: Failure };

export class HttpTransport {
  readonly #apiKey: string | undefined;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  private readonly endpoints: Endpoint[];
  /** Admits as many attempts as the servers' limits add up to; the attempt then goes to the least-loaded server. */
  private readonly gate: Semaphore;
  private rr = 0;
  private readonly closer = new AbortController();
  private readonly active = new Set<InFlight>();
  private readonly o: Required<Omit<TransportOptions, 'apiKey' | 'headers' | 'logger' | 'onNotice' | 'baseURLs'>> &
    Pick<TransportOptions, 'logger' | 'onNotice'>;

  constructor(options: TransportOptions) {
    if (!options.baseURLs.length) throw new SelfjError('BAD_CONFIG', 'No base URL given for the OpenAI backend.');
    this.o = {
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 16)),
      adaptive: options.adaptive ?? true,
      maxRetries: options.maxRetries ?? 4,
      timeoutMs: options.timeoutMs ?? 120_000,
      backoffBaseMs: options.backoffBaseMs ?? 200,
      backoffMaxMs: options.backoffMaxMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      unhealthyMs: options.unhealthyMs ?? 5_000,
      connectRetryMs: options.connectRetryMs ?? 60_000,
      random: options.random ?? Math.random,
      logger: options.logger,
      onNotice: options.onNotice,
    };
    this.endpoints = options.baseURLs.map((b) => new Endpoint(b, { adaptive: this.o.adaptive, max: this.o.concurrency }));
    this.#apiKey = options.apiKey || undefined;
    this.#headers = { 'content-type': 'application/json', accept: 'application/json', ...(options.headers ?? {}) };
    if (this.#apiKey) this.#headers.authorization = `Bearer ${this.#apiKey}`;
    this.#secrets = [this.#apiKey ?? '', ...Object.values(options.headers ?? {})].filter(Boolean);
    this.gate = new Semaphore(this.capacity());
  }

  /** Base URLs of the pool, safe to print. */
  get urls(): string[] {
    return this.endpoints.map((e) => safeURL(e.base, this.#secrets));
  }

  /** Each server's current concurrency limit (adaptive), in pool order. */
  get limits(): number[] {
    return this.endpoints.map((e) => e.limit.limit);
  }

  /** Redacts this transport's secrets (and key-like strings) from any text. */
  redact(text: string): string {
    return redact(text, this.#secrets);
  }

  /** Cancels every request in flight and refuses new ones (ABORTED). */
  close(): void {
    if (this.closer.signal.aborted) return;
    this.closer.abort();
    for (const f of this.active) f.abort();
    for (const e of this.endpoints) void e.pool.destroy().catch(() => undefined);
  }

  /** Sends one JSON request with retries and returns the parsed JSON body. */
  async json<T = unknown>(req: HttpRequest): Promise<T> {
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const failures: Failure[] = [];
    let counted = 0; // failures that count against maxRetries
    let connectionSince: number | undefined;
    let last: Endpoint | undefined;
    for (;;) {
      this.checkOpen(req.signal);
      const release = this.gate.tryAcquire() ?? (await this.gate.acquire(req.signal));
      const ep = this.pick(last);
      const pausedFor = ep.pausedUntil - Date.now();
      if (pausedFor > 0) {
        // Every server asked for a pause (Retry-After): wait for the first one to reopen.
        release();
        await sleep(Math.min(pausedFor, this.o.maxRetryAfterMs), req.signal, this.stopper());
        continue;
      }
      last = ep;
      let outcome: Outcome;
      try {
        outcome = await this.attempt(ep, req, body);
      } finally {
        release();
      }
      if (outcome.ok) {
        this.syncGate();
        return outcome.body as T;
      }
      const f = outcome.failure;
      failures.push(f);
      if (f.kind === 'status' && !isRetryableStatus(f.status)) {
        throw statusError(f, safeURL(ep.url(req.path, req.root), this.#secrets), this.redact(f.message));
      }
      const now = Date.now();
      if (f.kind === 'connection') connectionSince ??= now;
      else connectionSince = undefined;
      const withinBudget = connectionSince !== undefined && now - connectionSince < this.o.connectRetryMs;
      // Within the connection budget a failure to connect is free; past it, it counts like any other failure.
      if (!withinBudget) counted++;
      if (counted > this.o.maxRetries) {
        const waited = connectionSince !== undefined ? now - connectionSince : 0;
        throw exhaustedError(req.path, this.urls, failures, this.redact(f.message), waited);
      }
      const failover = this.endpoints.some((e) => e !== ep && e.unhealthyUntil <= now && e.pausedUntil <= now);
      const delay = failover || (f.kind === 'status' && f.retryAfterMs !== undefined)
        ? 0 // another server takes it now, or the loop waits out the pause
        : f.kind === 'connection'
          ? backoffDelay(Math.min(failures.length, 10), this.o.backoffBaseMs, Math.min(this.o.backoffMaxMs, 1000), this.o.random)
          : backoffDelay(counted - 1, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random);
      this.log(
        `${req.method ?? 'POST'} ${ep.url(req.path, req.root)} failed (${f.message}); ` +
          (withinBudget ? 'server unreachable, retrying' : `retry ${counted}/${this.o.maxRetries}`) +
          (failover ? ' on another server' : ` in ${delay} ms`),
      );
      await sleep(delay, req.signal, this.stopper());
    }
  }

  /** Least-loaded server that is neither paused nor failing (not the one that just failed, if there is a choice). */
  private pick(avoid?: Endpoint): Endpoint {
    const n = this.endpoints.length;
    if (n === 1) return this.endpoints[0];
    const now = Date.now();
    let best: Endpoint | undefined;
    let bestRank = Infinity;
    for (let i = 0; i < n; i++) {
      const e = this.endpoints[(this.rr + i) % n];
      if (e.pausedUntil > now) continue;
      // Healthy ones first, then the one that just failed last; within a class the lowest share of its limit.
      const rank = (e.unhealthyUntil > now ? 2 : 0) + (e === avoid ? 1 : 0) + Math.min(e.load, 0.999);
      if (rank < bestRank) {
        best = e;
        bestRank = rank;
      }
    }
    this.rr = (this.rr + 1) % n;
    return best ?? this.endpoints.reduce((a, b) => (b.pausedUntil < a.pausedUntil ? b : a));
  }

  private async attempt(ep: Endpoint, req: HttpRequest, body: string | undefined): Promise<Outcome> {
    const inflight = send(ep.pool, ep.path(req.path, req.root), req.method ?? 'POST', this.#headers, body);
    this.active.add(inflight);
    ep.inFlight++;
    const t0 = performance.now();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      inflight.abort();
    }, this.o.timeoutMs);
    const onAbort = () => inflight.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await inflight.response;
      if (res.status < 200 || res.status > 299) return this.failed(ep, statusFailure(res.status, res.retryAfter, res.text));
      let parsed: unknown;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        return this.failed(ep, { kind: 'badresponse', message: `invalid JSON in a ${res.status} response (${res.text.length} bytes)` });
      }
      ep.limit.onSuccess(performance.now() - t0, req.weight ?? 1, ep.inFlight - 1);
      ep.unhealthyUntil = 0;
      if (ep.downSince !== undefined) {
        this.notice(`${safeURL(ep.base, this.#secrets)} answers again (after ${((Date.now() - ep.downSince) / 1000).toFixed(1)} s).`);
        ep.downSince = undefined;
      }
      return { ok: true, body: parsed };
    } catch (e) {
      this.checkOpen(req.signal);
      if (timedOut) return this.failed(ep, { kind: 'timeout', message: `no complete answer within ${this.o.timeoutMs} ms` });
      const responded = e instanceof WireError && e.responded;
      return this.failed(ep, { kind: responded ? 'badresponse' : 'connection', message: describeNetworkError(e) });
    } finally {
      ep.inFlight--;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      this.active.delete(inflight);
    }
  }

  /** Updates the server's state after a failed attempt. */
  private failed(ep: Endpoint, f: Failure): Outcome {
    const now = Date.now();
    const overload = f.kind === 'timeout' || f.kind === 'connection' || (f.kind === 'status' && isRetryableStatus(f.status));
    if (overload) ep.limit.onOverload();
    if (f.kind === 'status' && f.retryAfterMs !== undefined && isRetryableStatus(f.status)) {
      const pause = Math.min(f.retryAfterMs, this.o.maxRetryAfterMs);
      if (pause >= 5000 && ep.pausedUntil <= now) this.notice(`${safeURL(ep.base, this.#secrets)} asks to wait ${Math.round(pause / 1000)} s (HTTP ${f.status} with Retry-After).`);
      ep.pausedUntil = Math.max(ep.pausedUntil, now + pause);
    } else if (f.kind !== 'status' || isRetryableStatus(f.status)) {
      ep.unhealthyUntil = now + this.o.unhealthyMs;
    }
    if (f.kind === 'connection' && ep.downSince === undefined) {
      ep.downSince = now;
      this.notice(
        `Cannot reach ${safeURL(ep.base, this.#secrets)} (${this.redact(f.message)}); retrying for up to ${Math.round(this.o.connectRetryMs / 1000)} s.`,
      );
    }
    this.syncGate();
    return { ok: false, failure: f };
  }

  private capacity(): number {
    return this.endpoints.reduce((s, e) => s + e.limit.limit, 0);
  }

  private syncGate(): void {
    const c = this.capacity();
    if (c !== this.gate.max) this.gate.resize(c);
  }

  private checkOpen(signal?: AbortSignal): void {
    if (signal?.aborted) throw abortError(signal);
    if (this.closer.signal.aborted) throw closedError();
  }

  private stopper(): { signal: AbortSignal; error: () => Error } {
    return { signal: this.closer.signal, error: closedError };
  }

  private log(line: string): void {
    this.o.logger?.(this.redact(line));
  }

  private notice(message: string): void {
    this.o.onNotice?.(this.redact(message));
    this.log(message);
  }
}

function statusFailure(status: number, retryAfter: string | null, text: string): Failure {
  return { kind: 'status', status, retryAfterMs: parseRetryAfter(retryAfter), ...serverError(status, text) };
}

function closedError(): SelfjError {
  return new SelfjError('ABORTED', 'The OpenAI backend was closed.');
}
