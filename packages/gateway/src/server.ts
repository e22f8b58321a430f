/**
 * The gateway's HTTP server (fastify 5): routing, JSON bodies with a size limit, API keys, the per-key rate limit
 * (@fastify/rate-limit, 429 with Retry-After), request ids, deadlines, and every error in OpenAI's shape. Routes:
 * POST /v1/chat/completions and /v1/completions (the judged ones), GET /v1/models, /healthz (alive), /readyz
 * (taking traffic: 503 while draining) and /metrics (Prometheus text). A bad request is a 4xx and the server
 * stays up; a request the server is not finished with when it stops is cancelled with a 503, never dropped.
 */
import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { GatewayConfig } from '@selfj/core';
import { presentedKey, type ApiKeys } from './api-keys.js';
import { ApiError, toErrorResponse } from './errors.js';
import type { CompletionHandler } from './handler.js';
import type { LiveJudge } from './live-judge.js';
import type { GatewayMetrics } from './metrics.js';

export interface ServerDeps {
  config: GatewayConfig;
  handler: CompletionHandler;
  live: LiveJudge;
  metrics: GatewayMetrics;
  keys: ApiKeys;
  modelName: string;
  secrets(): readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    keyName?: string;
  }
}

export interface ServerControl {
  app: FastifyInstance;
  /** Requests being handled, each with the controller that cancels it. */
  inFlight: Set<AbortController>;
  /** Stop taking requests (503 with Connection: close); /readyz says so. */
  drain(): void;
  draining(): boolean;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const OPEN_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** fastify's own errors (body parsing, limits) as OpenAI errors. */
function fromFastify(e: FastifyError): ApiError | undefined {
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError(413, e.message, 'invalid_request_error', null, 'request_too_large');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ApiError(415, 'Send the request body as JSON (Content-Type: application/json).', 'invalid_request_error', null, 'unsupported_media_type');
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new ApiError(400, 'The request body is empty; send a JSON object.');
  if (e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return new ApiError(400, e.message);
  if (e.statusCode === 400 && e instanceof SyntaxError) return new ApiError(400, `The request body is not valid JSON: ${e.message}`);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new ApiError(e.statusCode, e.message);
  return undefined;
}

export async function buildServer(d: ServerDeps): Promise<ServerControl> {
  const c = d.config;
  const inFlight = new Set<AbortController>();
  let draining = false;
  const app = Fastify({
    logger: false,
    bodyLimit: c.maxBodyBytes,
    // Receiving the request itself (slow clients) gets the same deadline as handling it.
    requestTimeout: c.requestTimeoutMs,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });

  app.setErrorHandler((e: FastifyError | ApiError | { statusCode: 429; rateLimited: true; after: string; max: number }, req, reply) => {
    let err: unknown = e;
    if ('rateLimited' in e) {
      d.metrics.rateLimited.inc();
      err = new ApiError(429, `Rate limit reached for this API key (${e.max} requests per ${c.rateLimit.windowMs / 1000} s); retry in ${e.after}.`, 'rate_limit_error', null, 'rate_limit_exceeded');
    } else if (!(e instanceof ApiError) && (e as FastifyError).code?.startsWith('FST_')) err = fromFastify(e as FastifyError) ?? e;
    else if (!(e instanceof ApiError) && (e as FastifyError).validation) err = new ApiError(400, e.message);
    const [status, body, headers] = toErrorResponse(err, d.secrets());
    reply.code(status).headers({ ...headers, 'x-request-id': req.id }).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const [status, body] = toErrorResponse(new ApiError(404, `Unknown route ${req.method} ${req.url.split('?')[0]}.`, 'invalid_request_error', null, 'unknown_url'), []);
    reply.code(status).send(body);
  });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    if (OPEN_ROUTES.has(path)) return;
    if (draining) {
      reply.header('connection', 'close');
      throw new ApiError(503, 'The gateway is shutting down; retry on another instance.', 'server_error', null, 'shutting_down');
    }
    if (d.keys.required) {
      const name = d.keys.check(presentedKey(req.headers));
      if (!name) throw new ApiError(401, 'Missing or wrong API key: send Authorization: Bearer <key>.', 'authentication_error', null, 'invalid_api_key');
      req.keyName = name;
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    d.metrics.requests.inc({ route, status: String(reply.statusCode) });
  });

  if (c.rateLimit.perKey > 0) {
    await app.register(rateLimit, {
      global: false,
      max: c.rateLimit.perKey,
      timeWindow: c.rateLimit.windowMs,
      hook: 'preHandler', // after authentication: the limit is per key
      keyGenerator: (req) => (req.keyName ? `key:${req.keyName}` : `ip:${req.ip}`),
      errorResponseBuilder: (_req, ctx) => ({ statusCode: 429, rateLimited: true, after: ctx.after, max: ctx.max }),
    });
  }
  // Read only when the rate-limit plugin is registered (perKey > 0).
  const limited = { rateLimit: {} };

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const t = d.live.threshold;
    const state = { ready: !draining, judge: d.live.judge.id, tau: t.tau, threshold: t.hash, generation: d.live.generation, inFlight: inFlight.size };
    return reply.code(draining ? 503 : 200).send(state);
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', d.metrics.contentType).send(await d.metrics.text()));

  const created = Math.floor(Date.now() / 1000);
  const model = { id: d.modelName, object: 'model', created, owned_by: 'selfj-gateway' };
  app.get('/v1/models', { config: limited }, async () => ({ object: 'list', data: [model] }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', { config: limited }, async (req) => {
    if (req.params.id !== d.modelName) throw new ApiError(404, `The model \`${req.params.id}\` does not exist.`, 'invalid_request_error', 'model', 'model_not_found');
    return model;
  });

  const completion = (kind: 'chat' | 'completions') => async (req: FastifyRequest, reply: FastifyReply) => {
    const ctl = new AbortController();
    inFlight.add(ctl);
    d.metrics.inFlight.inc();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      ctl.abort(new ApiError(504, 'request deadline'));
    }, c.requestTimeoutMs);
    // The client went away before the answer: cancel the upstream and judge work it started.
    const onClose = () => {
      if (!reply.raw.writableFinished) ctl.abort();
    };
    reply.raw.on('close', onClose);
    try {
      const out = await d.handler.handle(kind, req.body, { requestId: req.id, keyName: req.keyName, signal: ctl.signal, timedOut: () => timedOut });
      reply.code(out.status).headers(out.headers);
      return reply.send(out.sse ? (out.body as string) : out.body);
    } catch (e) {
      if (draining && ctl.signal.aborted && !timedOut) throw new ApiError(503, 'The gateway shut down before this request finished; retry it.', 'server_error', null, 'shutting_down');
      throw e;
    } finally {
      clearTimeout(deadline);
      reply.raw.off('close', onClose);
      inFlight.delete(ctl);
      d.metrics.inFlight.dec();
    }
  };
  app.post('/v1/chat/completions', { config: limited }, completion('chat'));
  app.post('/v1/completions', { config: limited }, completion('completions'));

  return {
    app,
    inFlight,
    drain: () => {
      draining = true;
    },
    draining: () => draining,
  };
}
