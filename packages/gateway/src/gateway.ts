/**
 * startGateway: the selective-following gateway as a library. Give it the upstream Sampler (and a fallback for
 * cascade), where the judge comes from, and the gateway config section; it loads the judge and the threshold
 * (checking that they fit), opens the decision log and serves until close(), which drains: no new requests, those
 * in flight finish (up to graceMs, then they are cancelled with a 503), shadow scoring finishes, then the judge
 * and log close. The samplers belong to the caller.
 */
import type { AddressInfo } from 'node:net';
import { SelfjError, type GatewayConfig, type Sampler } from '@selfj/core';
import { redact } from '@selfj/core/infra';
import { ApiKeys } from './api-keys.js';
import { DecisionLog } from './decision-log.js';
import { CompletionHandler } from './handler.js';
import { LiveJudge, type JudgeSource } from './live-judge.js';
import { GatewayMetrics } from './metrics.js';
import type { RequestDefaults } from './request.js';
import { buildServer } from './server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GatewayOptions {
  /** The resolved `gateway` config section (defaults filled in). */
  config: GatewayConfig;
  upstream: Sampler;
  /** Cascade mode's second upstream. */
  fallback?: Sampler;
  judge: JudgeSource;
  /** Sampling defaults for requests that do not set them (the config's `sample` section). */
  sample: RequestDefaults['sample'];
  /** The model id clients send and /v1/models lists. */
  modelName: string;
  /** Judge calls in flight at once (the judge backend's concurrency; default 1). */
  judgeConcurrency?: number;
  /** Strings never to log or send (upstream keys); the gateway's own keys are added. */
  secrets?: string[];
  /** One-line operator messages (reloads, warnings). */
  notice?: (line: string) => void;
}

export interface Gateway {
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:8090/v1 */
  url: string;
  host: string;
  port: number;
  metrics: GatewayMetrics;
  live: LiveJudge;
  /** Reloads the threshold, the judge when its artifact changed, and the API key file (SIGHUP). */
  reload(reason?: string): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

export async function startGateway(o: GatewayOptions): Promise<Gateway> {
  const c = o.config;
  if (!c.threshold) {
    throw new SelfjError('BAD_CONFIG', 'The gateway needs a threshold file (--threshold / gateway.threshold).', {
      solutions: ['Calibrate one: selfj judge ... then selfj calibrate --input <judge dir>/records.jsonl --out threshold.json'],
    });
  }
  if (c.mode === 'cascade' && !o.fallback) {
    throw new SelfjError('BAD_CONFIG', 'The cascade mode needs a fallback upstream (--fallback / gateway.fallback).', { solutions: ['Name the fallback backend id, e.g. --fallback openai:http://big-model:8000/v1#model'] });
  }
  const keys = new ApiKeys({ env: c.apiKeysEnv || undefined, file: c.apiKeysFile || undefined });
  const secrets = () => [...(o.secrets ?? []), ...keys.secrets()];
  const notice = (line: string) => o.notice?.(redact(line, secrets()));
  const metrics = new GatewayMetrics();
  const live = await LiveJudge.start({
    source: o.judge,
    thresholdFile: c.threshold,
    unverifiedThreshold: c.unverifiedThreshold,
    batch: { maxSize: c.batch.maxSize, maxWaitMs: c.batch.maxWaitMs, concurrency: o.judgeConcurrency ?? 1 },
    watch: c.watch,
    notice,
    onBatch: (size, waited) => {
      metrics.batchSize.observe(size);
      metrics.batchWait.observe(waited / 1000);
    },
    onReload: (ok, detail, tau) => {
      metrics.reloads.inc({ result: ok ? 'ok' : 'failed' });
      metrics.tau.set(tau ?? Number.NaN);
      notice(`reload ${ok ? 'done' : 'FAILED'}: ${detail}`);
    },
  });
  metrics.scoreScale(live.judge.scale);
  metrics.tau.set(live.threshold.tau ?? Number.NaN);
  let log: DecisionLog | undefined;
  try {
    log = c.log.file ? new DecisionLog({ file: c.log.file, maxBytes: c.log.maxBytes, keep: c.log.keep }) : undefined;
    if (log?.repairedBytes) notice(`decision log ${log.path}: cut a torn last line (${log.repairedBytes} bytes) left by an abrupt stop`);
  } catch (e) {
    await live.close();
    throw e;
  }
  const handler = new CompletionHandler({
    config: c,
    upstream: o.upstream,
    fallback: o.fallback,
    live,
    metrics,
    log,
    defaults: { config: c, sample: o.sample, modelName: o.modelName },
    secrets,
    notice,
  });
  const server = await buildServer({ config: c, handler, live, metrics, keys, modelName: o.modelName, secrets });
  try {
    await server.app.listen({ host: c.host, port: c.port });
  } catch (e) {
    await live.close();
    log?.close();
    throw new SelfjError('BAD_CONFIG', `The gateway cannot listen on ${c.host}:${c.port}: ${(e as Error).message}`, {
      cause: e,
      solutions: ['Choose another --port (0 picks a free one)', 'Stop whatever already listens there'],
    });
  }
  const port = (server.app.server.address() as AddressInfo).port;
  const hostInUrl = c.host.includes(':') ? `[${c.host}]` : c.host;
  let closed: Promise<void> | undefined;

  return {
    url: `http://${hostInUrl}:${port}/v1`,
    host: c.host,
    port,
    metrics,
    live,
    async reload(reason = 'reload') {
      let keyNote = '';
      try {
        keys.reload();
      } catch (e) {
        keyNote = `; API keys kept: ${(e as Error).message.split('\n')[0]}`;
      }
      const r = await live.reload(reason);
      return keyNote ? { ok: false, detail: r.detail + keyNote } : r;
    },
    close() {
      closed ??= (async () => {
        server.drain();
        const done = server.app.close(); // no new connections; requests on open ones get 503 + Connection: close
        const end = Date.now() + c.graceMs;
        while (server.inFlight.size && Date.now() < end) await sleep(10);
        // Past the grace period: cancel what is left (each answers 503), give them a moment to say so.
        for (const ctl of server.inFlight) ctl.abort();
        for (let i = 0; server.inFlight.size && i < 100; i++) await sleep(10);
        server.app.server.closeAllConnections();
        await done;
        await handler.shadow.drain(Math.max(0, end - Date.now()));
        await live.close();
        log?.close();
      })();
      return closed;
    },
  };
}
