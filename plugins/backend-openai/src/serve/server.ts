/**
 * `selfj serve`: an OpenAI-compatible HTTP server (node:http) over any selfj ModelBackend (+ optional Embedder).
 * Routes: GET /v1/models, POST /v1/completions, /v1/chat/completions, /v1/embeddings, /tokenize, GET /health, and
 * the selfj extensions POST /v1/selfj/next-token-probabilities (exact candidate probabilities for a batch) and
 * /v1/selfj/top-tokens (the backend's topTokens with ids).
 * Backend work is scheduled fairly between requests (scheduler.ts) and limited per request (limits.ts).
 * Errors use OpenAI's JSON shape. close() stops accepting, lets running requests finish (up to graceMs), then
 * cancels what is left through each request's AbortSignal. A client that disconnects cancels its request too.
 */
import { timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Embedder, ModelBackend } from '@selfj/core';
import { readBody } from './body.js';
import { chatCompletions, completions } from './completions.js';
import type { ServeContext } from './context.js';
import { ApiError, toErrorBody } from './errors.js';
import { candidateProbabilities, embeddings, models, tokenize, topTokens } from './extensions.js';
import { DEFAULT_LIMITS, type RequestLimits } from './limits.js';
import { FairScheduler, scheduledBackend, scheduledEmbedder, type RequestQueue } from './scheduler.js';
import { sendStream } from './stream.js';
import { tokenAccessOf, type TokenAccess } from './token-access.js';

export interface OpenAIServerOptions {
  backend: ModelBackend;
  embedder?: Embedder;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The model id clients send and /v1/models lists. */
  modelName: string;
  /** Aborting it closes the server. */
  signal?: AbortSignal;
  /** How long close() waits for running requests before cancelling them (default 10 s). */
  graceMs?: number;
  /** Largest accepted request body (default 16 MiB). */
  maxBodyBytes?: number;
  /** Prompts per request (default 256) and prompts x max_tokens per request (default 65536); past them 413. */
  maxPromptsPerRequest?: number;
  maxTokensPerRequest?: number;
  /**
   * Units of backend work run at once, shared fairly by all requests (default: the backend's concurrent
   * sequences when it says, else 4). One request holds at most parallel - 1 of them when parallel > 1.
   */
  parallel?: number;
  /** Token-level access for log-probs on any chat length and for echo (default: read from the backend; false: none). */
  tokenAccess?: TokenAccess | false;
  /** One line per request (method, path, status, ms). */
  log?: (line: string) => void;
  /** When set, every route but /health needs `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string;
}

export interface OpenAIServer {
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:8080/v1 */
  url: string;
  host: string;
  port: number;
  server: Server;
  /** Units of backend work at once (see OpenAIServerOptions.parallel). */
  parallel: number;
  close(): Promise<void>;
}

type Route = (ctx: ServeContext, body: Record<string, unknown>) => Promise<unknown> | unknown;

const POST_ROUTES: Record<string, Route> = {
  '/v1/completions': completions,
  '/v1/chat/completions': chatCompletions,
  '/v1/embeddings': embeddings,
  '/tokenize': tokenize,
  '/v1/tokenize': tokenize,
  '/v1/selfj/next-token-probabilities': candidateProbabilities,
  '/v1/selfj/top-tokens': topTokens,
};

/** The backend's own parallelism, where it says (LlamaCppBackend.runtimeInfo(): concurrency, or sequences). */
function backendParallel(backend: ModelBackend): number | undefined {
  const info = (backend as { runtimeInfo?: () => { concurrency?: number; sequences?: number } }).runtimeInfo?.();
  const n = info?.concurrency ?? info?.sequences;
  return typeof n === 'number' && n >= 1 ? n : undefined;
}

/** Token access whose every distribution is one scheduled unit of the request. */
function scheduledTokens(access: TokenAccess | undefined, q: RequestQueue): TokenAccess | undefined {
  if (!access) return undefined;
  return { ...access, next: (tokens, signal) => q.run(() => access.next(tokens, signal)) };
}

/** Constant-time check of the bearer token. */
function authorised(req: IncomingMessage, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1].trim());
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: unknown, closing: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(data),
    ...(closing ? { connection: 'close' } : {}),
  });
  res.end(data);
}

/** The model id of GET /v1/models/<id>; a malformed %-escape is the client's mistake (400), not the server's. */
function modelIdOf(path: string): string {
  try {
    return decodeURIComponent(path.slice('/v1/models/'.length));
  } catch {
    throw new ApiError(400, 'The model id in the URL has a malformed %-escape.', 'invalid_request_error', 'model');
  }
}

export async function startOpenAIServer(options: OpenAIServerOptions): Promise<OpenAIServer> {
  const host = options.host ?? '127.0.0.1';
  const graceMs = options.graceMs ?? 10_000;
  const limits: RequestLimits = {
    maxPrompts: options.maxPromptsPerRequest ?? DEFAULT_LIMITS.maxPrompts,
    maxTokens: options.maxTokensPerRequest ?? DEFAULT_LIMITS.maxTokens,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
  };
  const parallel = Math.max(1, Math.floor(options.parallel ?? backendParallel(options.backend) ?? 4));
  const scheduler = new FairScheduler(parallel);
  const access = options.tokenAccess === false ? undefined : (options.tokenAccess ?? tokenAccessOf(options.backend));
  const created = Math.floor(Date.now() / 1000);
  const inflight = new Set<AbortController>();
  const listing = () => models(options.backend, options.modelName, created, Boolean(options.embedder), limits);
  let closing = false;
  let closed: Promise<void> | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const ctl = new AbortController();
    setMaxListeners(0, ctl.signal); // one listener per prompt of the request in the backend
    inflight.add(ctl);
    const queue = scheduler.open(ctl.signal);
    res.on('close', () => {
      if (!res.writableFinished) ctl.abort(); // the client went away: cancel the backend work
      queue.close();
      inflight.delete(ctl);
      options.log?.(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - started).toFixed(1)} ms`);
    });
    try {
      if (closing) throw new ApiError(503, 'The server is shutting down.', 'server_error');
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
      if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' }, closing);
      if (options.apiKey && !authorised(req, options.apiKey)) {
        throw new ApiError(401, 'Missing or wrong API key: send Authorization: Bearer <key>.', 'authentication_error', null, 'invalid_api_key');
      }
      if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) return send(res, 200, listing(), closing);
      if (req.method === 'GET' && path.startsWith('/v1/models/')) {
        const id = modelIdOf(path);
        const entry = listing().data.find((m) => m.id === id);
        if (!entry) throw new ApiError(404, `The model \`${id}\` does not exist.`, 'invalid_request_error', 'model', 'model_not_found');
        return send(res, 200, entry, closing);
      }
      const route = POST_ROUTES[path];
      if (!route) throw new ApiError(404, `Unknown route ${req.method} ${path}.`, 'invalid_request_error', null, 'unknown_url');
      if (req.method !== 'POST') throw new ApiError(405, `${path} takes POST.`, 'invalid_request_error');
      const body = await readBody(req, limits.maxBodyBytes);
      const ctx: ServeContext = {
        backend: scheduledBackend(options.backend, queue),
        embedder: scheduledEmbedder(options.embedder, queue),
        tokens: scheduledTokens(access, queue),
        modelName: options.modelName,
        created,
        signal: ctl.signal,
        limits,
      };
      const answer = await route(ctx, body);
      const streamed = path === '/v1/completions' ? 'completions' : path === '/v1/chat/completions' ? 'chat' : undefined;
      if (streamed && body.stream === true) {
        const usage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        return sendStream(res, streamed, answer as Parameters<typeof sendStream>[2], usage, closing);
      }
      send(res, 200, answer, closing);
    } catch (e) {
      const [status, body] = toErrorBody(e);
      send(res, status, body, closing || (e as { closeConnection?: boolean }).closeConnection === true);
    }
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;

  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inflight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const c of inflight) c.abort();
      await new Promise((r) => setTimeout(r, 20)); // let cancelled handlers answer
      server.closeAllConnections();
      await stopped;
    })();
    return closed;
  };
  if (options.signal) {
    if (options.signal.aborted) await close();
    else options.signal.addEventListener('abort', () => void close(), { once: true });
  }
  return { url: `http://${hostInUrl}:${port}/v1`, host, port, server, parallel, close };
}
