/**
 * The benchmark's processes: a `selfj serve` upstream (the tiny model through startOpenAIServer) and gateways in
 * front of it, each in a process of its own so the load generator's CPU never counts as the gateway's. This file
 * is both the parent's launcher (startChild) and the child's entry point (argv[2] = JSON config).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Judge, ModelBackend } from '@selfj/core';

export type ChildConfig =
  | { kind: 'upstream'; model: string; sequences: number }
  /** A judge server that answers every prompt after a fixed delay, up to `parallel` at once: how a GPU server behaves below saturation. */
  | { kind: 'latency-judge'; delayMs: number; parallel: number }
  /** A bare keep-alive HTTP proxy to `upstream`: what one more process hop costs on this machine, with no work. */
  | { kind: 'proxy'; upstream: string }
  /** `judge`: a remote zero-shot judge backend id; else zero-shot in-process on the tiny model. */
  | { kind: 'gateway'; model: string; upstream: string; mode: 'gate' | 'shadow'; batch: number; judgeSequences: number; judge?: string; log: string };

export interface ChildInfo {
  url: string;
}

export interface Child extends ChildInfo {
  process: ChildProcess;
}

const self = fileURLToPath(import.meta.url);

export async function startChild(config: ChildConfig): Promise<Child> {
  const child = fork(self, [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const info = await new Promise<ChildInfo>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ChildInfo));
    child.once('exit', (code) => reject(new Error(`a bench child (${config.kind}) exited with ${code}`)));
  });
  return { ...info, process: child };
}

/** The judge's own p50 for one item (ms), measured inside a gateway child (`n` scorings). */
export function judgeTime(c: Child, n = 20): Promise<number> {
  return new Promise((resolve) => {
    c.process.once('message', (m) => resolve((m as { judgeP50Ms: number }).judgeP50Ms));
    c.process.send({ timeJudge: n });
  });
}

/** CPU time (user + system, ms) a gateway child has used so far. */
export function cpuOf(c: Child): Promise<number> {
  return new Promise((resolve) => {
    c.process.once('message', (m) => resolve((m as { cpuMs: number }).cpuMs));
    c.process.send({ cpu: true });
  });
}

export async function stopChildren(children: Child[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.process.once('exit', () => resolve());
          c.process.disconnect();
          setTimeout(() => c.process.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
}

/** p50 of `n` one-item scorings, in ms. */
async function timeJudge(judge: Judge, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await judge.score([{ instruction: `Tell me a story number ${i % 16}.`, response: RESPONSE }]);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[n >> 1];
}

const RESPONSE = 'Once upon a time there was a little girl named Lily. She liked to play in the park with her dog.';

async function upstreamMain(c: Extract<ChildConfig, { kind: 'upstream' }>): Promise<void> {
  const { LlamaCppBackend } = await import('@selfj/backend-llama-cpp');
  const { startOpenAIServer } = await import('@selfj/backend-openai');
  const backend = await LlamaCppBackend.load(c.model, { threads: 1, sequences: c.sequences, contextSize: 512 });
  const server = await startOpenAIServer({ backend, modelName: 'bench', host: '127.0.0.1', port: 0 });
  process.send!({ url: server.url } satisfies ChildInfo);
  process.on('disconnect', () => void server.close().then(() => backend.close()).then(() => process.exit(0)));
}

/** Digit probabilities after a fixed delay per call, whatever the prompt: a judge server of known latency. */
async function latencyJudgeMain(c: Extract<ChildConfig, { kind: 'latency-judge' }>): Promise<void> {
  const { startOpenAIServer } = await import('@selfj/backend-openai');
  const backend: ModelBackend = {
    id: 'latency-judge:bench',
    capabilities: () => ({ logprobs: 'full', features: false, embeddings: false, chatTemplate: false, contextSize: 4096 }),
    generate: async () => ({ text: '5', tokens: 1, finishReason: 'stop' }),
    async nextTokenProbabilities(prompts, candidates) {
      await new Promise((r) => setTimeout(r, c.delayMs));
      return prompts.map(() => ({ probs: Object.fromEntries(candidates.map((d, i) => [d, /\d/.test(d) ? (i % 10) / 45 / 2 : 0])), coverage: 'full' as const }));
    },
    tokenize: async (text) => [...text].map((ch) => ch.charCodeAt(0)),
    close: async () => undefined,
  };
  const server = await startOpenAIServer({ backend, modelName: 'bench', host: '127.0.0.1', port: 0, parallel: c.parallel });
  process.send!({ url: server.url } satisfies ChildInfo);
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

async function proxyMain(c: Extract<ChildConfig, { kind: 'proxy' }>): Promise<void> {
  const { Agent, createServer, request } = await import('node:http');
  const target = new URL(c.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  // Whole bodies each way (one write each), the way the gateway itself receives and answers.
  const server = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (d: Buffer) => body.push(d));
    req.on('end', () => {
      const data = Buffer.concat(body);
      const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (d: Buffer) => out.push(d));
        r.on('end', () => {
          const answer = Buffer.concat(out);
          res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/json', 'content-length': answer.length });
          res.end(answer);
        });
      });
      up.on('error', () => res.destroy());
      up.end(data);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.send!({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1` } satisfies ChildInfo);
  process.on('disconnect', () => process.exit(0));
}

async function gatewayMain(c: Extract<ChildConfig, { kind: 'gateway' }>): Promise<void> {
  const { createContext, createRegistry, resolveConfig } = await import('@selfj/core');
  const { BackendSampler, DEFAULT_TEMPLATES } = await import('@selfj/core/stages');
  const llama = (await import('@selfj/backend-llama-cpp')).default;
  const { createOpenAIBackend } = await import('@selfj/backend-openai');
  const { startGateway } = await import('@selfj/gateway');
  const dir = mkdtempSync(join(tmpdir(), 'selfj-gw-bench-'));
  const config = resolveConfig({
    backend: { id: `llama-cpp:${c.model}`, options: { threads: 1, sequences: c.judgeSequences, contextSize: 512 } },
    scoring: { minDigitMass: 0 },
    gateway: { threshold: join(dir, 'threshold.json'), mode: c.mode, port: 0, watch: false, batch: { maxSize: c.batch }, log: { file: c.log } },
  });
  const openai = (await import('@selfj/backend-openai')).default;
  const registry = createRegistry({ defaults: [] }).register(llama).register(openai);
  const ctx = createContext(registry, { config, openPolicy: () => registry.createBackend(config.backend.id, config.backend.options) });
  const judge = await registry.create('judges', c.judge ? `zero-shot:${c.judge}` : 'zero-shot', {}, ctx);
  const fp = await judge.fingerprint();
  // tau 0: every answer clears it, so gate mode does the full work (upstream + judge) and answers.
  writeFileSync(config.gateway.threshold, JSON.stringify({ tau: 0, scoreField: 'score', judge: { id: judge.id, mode: fp.judge, model: fp.model, referenceFreeTemplate: fp.template } }));
  await timeJudge(judge, 10); // warm-up
  const upstreamBackend = await createOpenAIBackend(`${c.upstream}#bench;concurrency=256;adaptive=false`, { env: {} });
  const upstream = new BackendSampler(upstreamBackend, DEFAULT_TEMPLATES.sample, 1 << 20);
  const gw = await startGateway({
    config: config.gateway,
    upstream,
    judge: { id: judge.id, open: async () => judge, stamp: () => '' },
    sample: { maxTokens: 32, temperature: 0.7, topP: 0.9 },
    modelName: 'bench',
  });
  process.send!({ url: gw.url } satisfies ChildInfo);
  // The parent asks for the judge's own time for one item between its load rounds, so both see the same machine.
  process.on('message', (m: { timeJudge?: number; cpu?: boolean }) => {
    if (m.timeJudge) void timeJudge(judge, m.timeJudge).then((p50) => process.send!({ judgeP50Ms: p50 }));
    if (m.cpu) {
      const u = process.cpuUsage();
      process.send!({ cpuMs: (u.user + u.system) / 1000 });
    }
  });
  process.on('disconnect', () =>
    void gw
      .close()
      .then(() => upstreamBackend.close())
      .then(() => ctx.close())
      .then(() => process.exit(0)),
  );
}

if (process.argv[1] === self && process.argv[2]) {
  const c = JSON.parse(process.argv[2]) as ChildConfig;
  const main = { upstream: upstreamMain, 'latency-judge': latencyJudgeMain, proxy: proxyMain, gateway: gatewayMain }[c.kind] as (c: ChildConfig) => Promise<void>;
  await main(c);
}
