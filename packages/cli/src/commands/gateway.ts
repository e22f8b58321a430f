import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SelfjError, createContext, parseBackendId } from '@selfj/core';
import { sha256 } from '@selfj/core/infra';
import type { JudgeSource } from '@selfj/gateway';
import { defineCommand } from '../options/command.js';
import { configFlags, modelFlags } from '../options/common.js';
import { policyId, resolveCommandConfig, sessionArgs, withSession } from '../session.js';

const flags = {
  ...configFlags,
  upstream: { setting: 'gateway.upstream' },
  fallback: { setting: 'gateway.fallback' },
  judge: {
    setting: 'judge.id',
    describe: 'Judge: a trained judge directory (selfj train --out), "zero-shot", "zero-shot:<backend id>", "head:<dir>", or a plugin judge id (default zero-shot)',
  },
  'judge-backend': {
    setting: 'backend.id',
    describe: 'Backend the judge runs on: the model it was trained and calibrated with (default: the upstream). A trained head reads hidden states, so it needs an in-process one (llama-cpp:<gguf>)',
  },
  threshold: { setting: 'gateway.threshold' },
  'unverified-threshold': { setting: 'gateway.unverifiedThreshold' },
  mode: { setting: 'gateway.mode' },
  'allow-modes': { setting: 'gateway.allowModes' },
  n: { setting: 'gateway.n' },
  'max-n': { setting: 'gateway.maxN' },
  'on-judge-failure': { setting: 'gateway.onJudgeFailure' },
  'decline-as': { setting: 'gateway.declineAs' },
  'decline-message': { setting: 'gateway.declineMessage' },
  'model-name': { setting: 'gateway.modelName' },
  host: { setting: 'gateway.host' },
  port: { setting: 'gateway.port' },
  'api-keys-env': { setting: 'gateway.apiKeysEnv' },
  'api-keys-file': { setting: 'gateway.apiKeysFile' },
  'rate-limit': { setting: 'gateway.rateLimit.perKey' },
  'rate-window-ms': { setting: 'gateway.rateLimit.windowMs' },
  'max-body-bytes': { setting: 'gateway.maxBodyBytes' },
  'request-timeout-ms': { setting: 'gateway.requestTimeoutMs' },
  'judge-timeout-ms': { setting: 'gateway.judgeTimeoutMs' },
  'batch-size': { setting: 'gateway.batch.maxSize' },
  'batch-wait-ms': { setting: 'gateway.batch.maxWaitMs' },
  'decision-log': { setting: 'gateway.log.file' },
  'log-text': { setting: 'gateway.log.text' },
  'log-max-bytes': { setting: 'gateway.log.maxBytes' },
  'log-keep': { setting: 'gateway.log.keep' },
  'grace-ms': { setting: 'gateway.graceMs' },
  watch: { setting: 'gateway.watch' },
  'max-tokens': { setting: 'sample.maxTokens', describe: 'Default max_tokens of requests that do not set it' },
  temperature: { setting: 'sample.temperature', describe: 'Default temperature of requests that do not set it' },
  'top-p': { setting: 'sample.topP', describe: 'Default top_p of requests that do not set it' },
  'min-digit-mass': { setting: 'scoring.minDigitMass' },
  threads: modelFlags.threads,
  concurrency: { setting: 'backend.concurrency', describe: 'Judge calls in flight at once on the judge backend' },
} as const;

/** The upstream samplers' own limit: the backend's own (an openai pool's concurrency, llama.cpp's sequences) applies. */
const UPSTREAM_CONCURRENCY = 1 << 20;

/** A judge directory given as --judge is the trained head in it; anything else is a judge id. */
function judgeId(id: string): string {
  if (!id) return 'zero-shot';
  return existsSync(join(id, 'manifest.json')) ? `head:${resolve(id)}` : id;
}

/** The model name clients send: the part after "#" of an openai id, else the model file's name. */
function modelNameOf(upstream: string): string {
  if (upstream.includes('#')) return upstream.slice(upstream.indexOf('#') + 1).split(';')[0];
  return basename(parseBackendId(upstream).spec).replace(/\.gguf$/i, '') || 'selfj';
}

/** Values of the environment variables that hold upstream keys (never to be logged). */
function upstreamSecrets(ids: string[]): string[] {
  const names = new Set(['OPENAI_API_KEY']);
  for (const id of ids) for (const m of id.matchAll(/;apiKeyEnv=([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]);
  return [...names].map((n) => process.env[n]).filter((v): v is string => Boolean(v));
}

/** `selfj gateway`: answer live traffic only when the judge's score clears the calibrated threshold. */
export default defineCommand({
  command: 'gateway',
  describe: 'Serve an OpenAI-compatible API that answers only when the judge says the answer is good (gate, best-of-n, cascade, shadow)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    const g = config.gateway;
    const upstreamId = g.upstream || policyId(config);
    // The judge runs on the policy: --judge-backend / backend.id, else the upstream itself (one model in-process).
    config.backend.id ||= upstreamId;
    const id = judgeId(config.judge.id);
    const { startGateway } = await import('@selfj/gateway');
    // Operator lines (reloads, warnings) go to stderr even with --json (as JSON then): a server has no other channel.
    const notice = (line: string) => {
      if (!args.quiet) process.stderr.write(args.json ? `${JSON.stringify({ event: 'gateway.notice', message: line })}\n` : `selfj gateway: ${line}\n`);
    };
    await withSession({ args: sessionArgs(args, own), config, configFile, server: true }, async (s) => {
      const shared = config.backend.id === upstreamId;
      // Samplers get a context whose only difference is no sampler-side concurrency cap; the policy is the same one.
      const upstreamCtx = createContext(s.registry, {
        config: { ...config, backend: { ...config.backend, concurrency: UPSTREAM_CONCURRENCY } },
        signal: s.signal,
        notice,
        openPolicy: () => s.ctx.policy(),
      });
      const upstream = await s.registry.create('samplers', shared ? 'backend' : `backend:${upstreamId}`, {}, upstreamCtx);
      const fallback = g.fallback ? await s.registry.create('samplers', `backend:${g.fallback}`, {}, upstreamCtx) : undefined;
      try {
        if (id.startsWith('head:') && !(await s.ctx.policy()).capabilities().features) {
          throw new SelfjError('BAD_CONFIG', `The trained judge ${id} reads the model's hidden states, which the judge backend ${config.backend.id} does not give.`, {
            solutions: [
              'Run the judge in-process on the model it was trained with: --judge-backend llama-cpp:<that model .gguf> (answers can still come from --upstream)',
              'Or judge zero-shot over the upstream (--judge zero-shot) with a threshold calibrated on zero-shot scores',
            ],
          });
        }
        const dir = id.startsWith('head:') ? id.slice('head:'.length) : undefined;
        const source: JudgeSource = {
          id,
          open: () => s.registry.create('judges', id, {}, s.ctx),
          stamp: () => (dir && existsSync(join(dir, 'manifest.json')) ? sha256(readFileSync(join(dir, 'manifest.json'))) : ''),
          watchPaths: () => (dir ? [join(dir, 'manifest.json')] : []),
        };
        const gw = await startGateway({
          config: g,
          upstream,
          fallback,
          judge: source,
          sample: { maxTokens: config.sample.maxTokens, temperature: config.sample.temperature, topP: config.sample.topP, stop: config.sample.stop },
          modelName: g.modelName || modelNameOf(upstreamId),
          judgeConcurrency: config.backend.concurrency,
          secrets: upstreamSecrets([upstreamId, g.fallback, config.backend.id]),
          notice,
        });
        const onHup = () => void gw.reload('SIGHUP');
        process.on('SIGHUP', onHup);
        const t = gw.live.threshold;
        const info = { url: gw.url, model: g.modelName || modelNameOf(upstreamId), upstream: upstreamId, fallback: g.fallback || undefined, judge: gw.live.judge.id, judgeBackend: config.backend.id, tau: t.tau, threshold: t.hash, mode: g.mode };
        if (args.json) process.stdout.write(`${JSON.stringify(info)}\n`);
        else {
          process.stdout.write(
            `selfj gateway: ${gw.url} (mode ${g.mode}, upstream ${upstreamId}${g.fallback ? `, fallback ${g.fallback}` : ''}, judge ${gw.live.judge.id} on ${config.backend.id}, tau ${t.tau ?? 'none: declines everything'}); SIGHUP reloads, Ctrl-C stops\n`,
          );
        }
        await new Promise<void>((done) => (s.signal.aborted ? done() : s.signal.addEventListener('abort', () => done(), { once: true })));
        process.off('SIGHUP', onHup);
        notice('draining: requests in flight finish, then it stops');
        await gw.close();
      } finally {
        await Promise.all([upstream.close?.(), fallback?.close?.()]);
      }
    });
  },
});
