/**
 * The HTTP side of the OpenAI backend: a pool of base URLs (round-robin, failover, unhealthy ones skipped for a
 * while), a concurrency limit, per-attempt timeouts, retries with full-jitter exponential backoff that honour
 * Retry-After, and AbortSignal support. Connections are kept alive (see senders.ts for the two HTTP clients).
 * The API key lives in a private field and is redacted from every message this class produces.
 */
import { SelfjError, abortError } from '@selfj/core';
import { redact, safeURL } from './redact.js';
import { Semaphore, backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry.js';
import { fetchSender, nodeSender, type InFlight, type Sender } from './senders.js';

export interface TransportOptions {
  /** OpenAI base URLs, e.g. "http://host:8000/v1"; several form a load-balanced pool. */
  baseURLs: string[];
  apiKey?: string;
  /** Extra request headers (values are treated as secrets in messages). */
  headers?: Record<string, string>;
  /** Requests in flight at once, over the whole pool (default 16). */
  concurrency?: number;
  /** Extra attempts after the first (default 4). */
  maxRetries?: number;
  /** Per-attempt timeout, headers and body (default 120 s). */
  timeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Longest Retry-After the client waits (default 60 s); longer values are cut to this. */
  maxRetryAfterMs?: number;
  /** How long a failing base URL is skipped when others are healthy (default 5 s). */
  unhealthyMs?: number;
  /** Receives one line per retry / failure (already redacted). */
  logger?: (line: string) => void;
  /** Source of randomness for the jitter (tests). */
  random?: () => number;
  /** HTTP client: node:http with a keep-alive agent (default, leaner) or the global fetch (undici). */
  httpClient?: 'node' | 'fetch';
}

export interface HttpRequest {
  method?: 'GET' | 'POST';
  /** Path under the base URL ("/completions"), or under the server root when `root` is true ("/tokenize"). */
  path: string;
  root?: boolean;
  body?: unknown;
  signal?: AbortSignal;
}

interface Endpoint {
  base: string;
  root: string;
  unhealthyUntil: number;
}

type Failure =
  | { kind: 'status'; status: number; retryAfterMs?: number; message: string; code?: string; type?: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'connection'; message: string }
  | { kind: 'badjson'; message: string };

/** Normalises a base URL: no trailing slash, "/v1" added when the URL has no path. */
export function normaliseBaseURL(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SelfjError('BAD_CONFIG', `Not a valid base URL: ${safeURL(url)}`, {
      solutions: ['Use a full URL such as http://127.0.0.1:8000/v1'],
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SelfjError('BAD_CONFIG', `Base URL must be http(s): ${safeURL(url)}`);
  }
  let s = u.toString().replace(/\/+$/, '');
  if (u.pathname === '/' || u.pathname === '') s += '/v1';
  return s;
}

export class HttpTransport {
  readonly #apiKey: string | undefined;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  private readonly endpoints: Endpoint[];
  private readonly sem: Semaphore;
  private rr = 0;
  private closed = false;
  /** Requests on the wire, so close() can end them without a listener per request. */
  private readonly active = new Set<InFlight>();
  private readonly send: Sender;
  private readonly o: Required<Omit<TransportOptions, 'apiKey' | 'headers' | 'logger' | 'baseURLs' | 'httpClient'>> &
    Pick<TransportOptions, 'logger'>;

  constructor(options: TransportOptions) {
    if (!options.baseURLs.length) throw new SelfjError('BAD_CONFIG', 'No base URL given for the OpenAI backend.');
    this.endpoints = options.baseURLs.map((b) => {
      const base = normaliseBaseURL(b);
      return { base, root: base.replace(/\/v1$/, ''), unhealthyUntil: 0 };
    });
    this.#apiKey = options.apiKey || undefined;
    this.#headers = { 'content-type': 'application/json', accept: 'application/json', ...(options.headers ?? {}) };
    if (this.#apiKey) this.#headers.authorization = `Bearer ${this.#apiKey}`;
    this.#secrets = [this.#apiKey ?? '', ...Object.values(options.headers ?? {})].filter(Boolean);
    this.o = {
      concurrency: options.concurrency ?? 16,
      maxRetries: options.maxRetries ?? 4,
      timeoutMs: options.timeoutMs ?? 120_000,
      backoffBaseMs: options.backoffBaseMs ?? 200,
      backoffMaxMs: options.backoffMaxMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      unhealthyMs: options.unhealthyMs ?? 5_000,
      random: options.random ?? Math.random,
      logger: options.logger,
    };
    this.sem = new Semaphore(this.o.concurrency);
    this.send = options.httpClient === 'fetch' ? fetchSender() : nodeSender(this.o.concurrency);
  }

  /** Base URLs of the pool, safe to print. */
  get urls(): string[] {
    return this.endpoints.map((e) => safeURL(e.base, this.#secrets));
  }

  /** Redacts this transport's secrets (and key-like strings) from any text. */
  redact(text: string): string {
    return redact(text, this.#secrets);
  }

  /** Cancels every request in flight and refuses new ones (ABORTED). */
  close(): void {
    this.closed = true;
    for (const f of this.active) f.abort();
    this.send.close?.();
  }

  /** Sends one JSON request with retries and returns the parsed JSON body. */
  async json<T = unknown>(req: HttpRequest): Promise<T> {
    if (this.closed) throw closedError();
    const release = await this.sem.acquire(req.signal);
    try {
      return (await this.withRetries(req)) as T;
    } finally {
      release();
    }
  }

  private async withRetries(req: HttpRequest): Promise<unknown> {
    const failures: Failure[] = [];
    let last: Endpoint | undefined;
    for (let attempt = 0; attempt <= this.o.maxRetries; attempt++) {
      if (req.signal?.aborted) throw abortError(req.signal);
      if (this.closed) throw closedError();
      const ep = this.pick(last);
      last = ep;
      const result = await this.attempt(ep, req);
      if (result.ok) {
        ep.unhealthyUntil = 0;
        return result.body;
      }
      const f = result.failure;
      failures.push(f);
      if (f.kind === 'status' && !isRetryableStatus(f.status)) throw this.statusError(ep, req, f);
      const now = Date.now();
      ep.unhealthyUntil = now + (f.kind === 'status' && f.retryAfterMs !== undefined ? f.retryAfterMs : this.o.unhealthyMs);
      if (attempt === this.o.maxRetries) break;
      const failover = this.endpoints.some((e) => e !== ep && e.unhealthyUntil <= now);
      const retryAfter = f.kind === 'status' ? f.retryAfterMs : undefined;
      const delay = failover
        ? 0
        : retryAfter !== undefined
          ? Math.min(retryAfter, this.o.maxRetryAfterMs)
          : backoffDelay(attempt, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random);
      this.log(
        `${req.method ?? 'POST'} ${this.url(ep, req)} failed (${f.message}); retry ${attempt + 1}/${this.o.maxRetries}` +
          (failover ? ' on another server' : ` in ${delay} ms`),
      );
      await sleep(delay, req.signal);
    }
    throw this.exhaustedError(req, failures);
  }

  /** Round-robin over healthy endpoints, avoiding the one that just failed; if none is healthy, the soonest back. */
  private pick(avoid?: Endpoint): Endpoint {
    const n = this.endpoints.length;
    if (n === 1) return this.endpoints[0];
    const now = Date.now();
    let fallback: Endpoint | undefined;
    for (let i = 0; i < n; i++) {
      const idx = (this.rr + i) % n;
      const e = this.endpoints[idx];
      if (e.unhealthyUntil <= now) {
        if (e === avoid) {
          fallback ??= e;
          continue;
        }
        this.rr = (idx + 1) % n;
        return e;
      }
    }
    if (fallback) return fallback;
    return this.endpoints.reduce((a, b) => (b.unhealthyUntil < a.unhealthyUntil ? b : a));
  }

  private url(ep: Endpoint, req: HttpRequest): string {
    return (req.root ? ep.root : ep.base) + req.path;
  }

  private async attempt(ep: Endpoint, req: HttpRequest): Promise<{ ok: true; body: unknown } | { ok: false; failure: Failure }> {
    const inflight = this.send(this.url(ep, req), {
      method: req.method ?? 'POST',
      headers: this.#headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
    this.active.add(inflight);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      inflight.abort();
    }, this.o.timeoutMs);
    const onAbort = () => inflight.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await inflight.response;
      const { text } = res;
      if (res.status < 200 || res.status > 299) {
        return {
          ok: false,
          failure: {
            kind: 'status',
            status: res.status,
            retryAfterMs: parseRetryAfter(res.retryAfter),
            ...serverError(res.status, text),
          },
        };
      }
      try {
        return { ok: true, body: JSON.parse(text) };
      } catch {
        return { ok: false, failure: { kind: 'badjson', message: `invalid JSON in a ${res.status} response (${text.length} bytes)` } };
      }
    } catch (e) {
      if (req.signal?.aborted) throw abortError(req.signal);
      if (this.closed) throw closedError();
      if (timedOut) return { ok: false, failure: { kind: 'timeout', message: `no complete answer within ${this.o.timeoutMs} ms` } };
      return { ok: false, failure: { kind: 'connection', message: describeNetworkError(e) } };
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      this.active.delete(inflight);
    }
  }

  private statusError(ep: Endpoint, req: HttpRequest, f: Extract<Failure, { kind: 'status' }>): SelfjError {
    const where = safeURL(this.url(ep, req), this.#secrets);
    const msg = this.redact(f.message);
    const details = { status: f.status, url: where };
    if (f.status === 401 || f.status === 403) {
      return new SelfjError('AUTH', `The server at ${where} refused the request (${msg}).`, {
        details,
        solutions: [
          'Set the API key in the environment variable the backend reads (OPENAI_API_KEY unless apiKeyEnv says otherwise)',
          'Check that the key is valid for this server',
        ],
      });
    }
    if (f.status === 404) {
      return new SelfjError('NOT_FOUND', `Not found at ${where} (${msg}).`, {
        details,
        solutions: ['Check the model name after "#" in the backend id', 'Check that the base URL ends in /v1'],
      });
    }
    const code = `${f.code ?? ''} ${f.type ?? ''}`.toLowerCase();
    if (/context_length_exceeded|prompt_too_long|exceed_context_size/.test(code) || CONTEXT_MESSAGE.test(msg)) {
      return new SelfjError('PROMPT_TOO_LONG', `The server at ${where} says the prompt is too long: ${msg}`, {
        details,
        solutions: ['Shorten the prompt (truncate instruction, response or reference)', 'Serve the model with a larger context'],
      });
    }
    if (code.includes('capability_missing') || f.status === 501) {
      return new SelfjError('CAPABILITY_MISSING', `The server at ${where} cannot do this: ${msg}`, { details });
    }
    if (code.includes('bad_input')) return new SelfjError('BAD_INPUT', `The server at ${where} rejected the input: ${msg}`, { details });
    return new SelfjError('HTTP_ERROR', `Request to ${where} failed: ${msg}`, { details });
  }

  private exhaustedError(req: HttpRequest, failures: Failure[]): SelfjError {
    const last = failures[failures.length - 1];
    const attempts = failures.length;
    const details = { attempts, urls: this.urls, path: req.path, last: this.redact(last.message) };
    const where = this.urls.join(', ');
    if (failures.every((f) => f.kind === 'connection')) {
      return new SelfjError('BACKEND_UNAVAILABLE', `Cannot reach the OpenAI-compatible server at ${where}: ${details.last}.`, {
        details,
        solutions: ['Start the server (for example `selfj serve` or vllm serve)', 'Check host, port and that the base URL ends in /v1'],
      });
    }
    if (last.kind === 'timeout') {
      return new SelfjError('TIMEOUT', `${req.path} at ${where}: ${details.last} (${attempts} attempts).`, {
        details,
        solutions: ['Raise timeoutMs', 'Lower concurrency, or add servers to the pool'],
      });
    }
    return new SelfjError('RETRIES_EXHAUSTED', `${req.path} at ${where} still failing after ${attempts} attempts: ${details.last}.`, {
      details,
      solutions: ['Raise maxRetries', 'Lower concurrency if the server is rate limiting', 'Check the server logs'],
    });
  }

  private log(line: string): void {
    this.o.logger?.(this.redact(line));
  }
}

function closedError(): SelfjError {
  return new SelfjError('ABORTED', 'The OpenAI backend was closed.');
}

/** How servers word "prompt longer than the context" (vLLM, llama.cpp, TGI, OpenAI). */
const CONTEXT_MESSAGE = /maximum context length|exceeds? the (available )?context|context (size|window) (is )?exceeded|input validation error: .*must have less than/i;

/** Message, code and type of an OpenAI-style error body (or a short prefix of any other body). */
function serverError(status: number, text: string): { message: string; code?: string; type?: string } {
  let message = '';
  let code: string | undefined;
  let type: string | undefined;
  try {
    const j = JSON.parse(text) as { error?: { message?: string; code?: unknown; type?: string } | string; message?: string; detail?: string; error_type?: string };
    if (typeof j.error === 'string') message = j.error;
    else {
      message = j.error?.message ?? j.message ?? j.detail ?? '';
      code = j.error?.code === undefined || j.error?.code === null ? undefined : String(j.error.code);
      type = j.error?.type ?? j.error_type;
    }
  } catch {
    message = text.slice(0, 200).trim();
  }
  return { message: `HTTP ${status}${message ? `: ${message}` : ''}`, code, type };
}

function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  const detail = err.cause?.message ?? err.message ?? String(e);
  return code ? `${code} (${detail})` : detail;
}
