/**
 * Real parts for the gateway tests: the tiny real GGUF model (env SELFJ_TEST_MODEL, else ../shared/models from the
 * repo root; tests only), the core registry with the llama.cpp plugin, threshold files that name the running judge,
 * and a fault-injecting HTTP proxy to put in front of a real `selfj serve` (startOpenAIServer).
 */
import { existsSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, createRegistry, resolveConfig, type Judge, type SelfjConfig, type SelfjConfigInput } from '@selfj/core';
import llamaPlugin from '@selfj/backend-llama-cpp';
import openaiPlugin from '@selfj/backend-openai';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const TEST_MODEL = resolve(repoRoot, process.env.SELFJ_TEST_MODEL ?? '../shared/models/stories260K.gguf');
export const haveModel = existsSync(TEST_MODEL);
export const MODEL_MISSING =
  `the test model ${TEST_MODEL} is missing: get it from the Hugging Face Hub (ggml-org/models, tinyllamas/stories260K.gguf, ` +
  'e.g. `selfj pull ggml-org/models tinyllamas/stories260K.gguf`) and set SELFJ_TEST_MODEL';
export const POLICY_ID = `llama-cpp:${TEST_MODEL}`;

export function tempDir(prefix = 'selfj-gw-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The config every gateway test starts from: the tiny model reads digits weakly, so no digit-mass floor. */
export function testConfig(over: SelfjConfigInput = {}): SelfjConfig {
  const base: SelfjConfigInput = { backend: { id: POLICY_ID, options: { threads: 1 } }, scoring: { minDigitMass: 0 }, sample: { maxTokens: 16 } };
  return resolveConfig({ ...base, ...over, gateway: { port: 0, watch: false, ...over.gateway } });
}

/** A registry and context whose policy is the tiny model in-process (opened once, shared). */
export function openParts(config: SelfjConfig) {
  const registry = createRegistry({ defaults: [] }).register(llamaPlugin).register(openaiPlugin);
  const ctx = createContext(registry, { config, openPolicy: () => registry.createBackend(config.backend.id, config.backend.options) });
  return { registry, ctx };
}

/** Writes a threshold file the way `selfj calibrate` does, naming `judge` (atomically, like writeFileAtomic). */
export async function writeThreshold(file: string, tau: number | null, judge?: Judge, extra: Record<string, unknown> = {}): Promise<void> {
  const fp = judge ? await judge.fingerprint() : undefined;
  const body = {
    tau,
    feasible: tau !== null,
    targetRisk: 0.2,
    delta: 0.1,
    n: 100,
    scoreField: 'score',
    ...(judge ? { judge: { id: judge.id, mode: fp!.judge, model: fp!.model, referenceFreeTemplate: fp!.template, configHash: 'test' } } : {}),
    ...extra,
  };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** `echo-auth`: a 400 whose message repeats the Authorization header it got (servers do echo bad keys). */
export type Fault = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'hang' } | { kind: 'reset' } | { kind: 'echo-auth' };

export interface FaultProxy {
  url: string;
  /** Faults for the next generation requests, used in order (other routes pass through). */
  faults: Fault[];
  /** Generation requests seen. */
  generations: number;
  close(): Promise<void>;
}

const GENERATION = /\/v1\/(chat\/)?completions$/;

/** A loopback proxy that answers requests whose path matches `paths` (default: generations) with queued faults, else forwards to `target` (a base URL). */
export async function startFaultProxy(target: string, paths: RegExp = GENERATION): Promise<FaultProxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const state: FaultProxy = { url: '', faults: [], generations: 0, close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isGen = paths.test((req.url ?? '').split('?')[0]);
    if (isGen) state.generations++;
    const fault = isGen ? state.faults.shift() : undefined;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return; // never answers; the client's timeout has to act
    if (fault?.kind === 'echo-auth') {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Invalid key: ${req.headers.authorization} (x-api-key ${String(req.headers.authorization).replace(/^Bearer /, '')})`, type: 'invalid_request_error', param: null, code: null } }));
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      res.end(JSON.stringify({ error: { message: `injected ${fault.status}`, type: 'server_error', param: null, code: null } }));
      return;
    }
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
