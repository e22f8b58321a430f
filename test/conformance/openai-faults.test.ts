/**
 * Reliability proof for the OpenAI backend: self-eval (core's runSelfEval) on real fixture records against
 * `selfj serve` over the real tiny model, through a loopback proxy that injects faults into 20% of requests
 * (429 + Retry-After, 500, 503, connection resets, hangs past the client timeout, JSON cut off mid-body), writes
 * artifacts byte-identical to the same run without faults.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, runSelfEval } from '@selfj/core/stages';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { createOpenAIBackend, startOpenAIServer, type OpenAIServer } from '@selfj/backend-openai';
import { FAULTS, startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { ALPACA_MISSING, artifactFiles, haveAlpaca, selfEvalInput } from './openai-fixtures.js';
import { testModelPath } from './test-model.js';

let local: LlamaCppBackend;
let server: OpenAIServer;
let proxy: FaultProxy;

describe.skipIf(!haveAlpaca)(`self-eval through a fault-injecting proxy${haveAlpaca ? '' : ` (skipped: ${ALPACA_MISSING})`}`, () => {
  beforeAll(async () => {
    local = await LlamaCppBackend.load(testModelPath(), { contextSize: 512, threads: 1 });
    server = await startOpenAIServer({ backend: local, host: '127.0.0.1', port: 0, modelName: 'stories260K' });
    proxy = await startFaultProxy(server.url);
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    await local?.close();
  });

  it('20% faults of every kind: artifacts byte-identical to a fault-free run through the same proxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-faults-'));
    const input = selfEvalInput(dir, 30);
    const run = async (name: string) => {
      // Small batches so that the stage makes enough requests for every kind of fault; a short timeout for hangs.
      const client = await createOpenAIBackend(`${proxy.url}#stories260K`, { env: {}, selfjBatch: 2, timeoutMs: 1500, backoffBaseMs: 50 });
      try {
        return await runSelfEval({ dir: join(dir, name), input, backend: client, templates: DEFAULT_TEMPLATES, batchSize: 2, concurrency: 2, onBadRecord: 'skip' });
      } finally {
        await client.close();
      }
    };
    proxy.faulty = false;
    const clean = await run('clean');
    proxy.faulty = true;
    const before = proxy.requests;
    const faulty = await run('faulty');
    const requests = proxy.requests - before;
    for (const f of FAULTS) expect(proxy.injected[f], `${f} injected`).toBeGreaterThanOrEqual(1);
    const injected = Object.values(proxy.injected).reduce((a, b) => a + b, 0);
    expect(injected / requests).toBeGreaterThanOrEqual(0.18);
    expect(clean.written).toBeGreaterThanOrEqual(20);
    expect(faulty.written).toBe(clean.written);
    expect(faulty.rejected).toBe(clean.rejected);
    const [a, b] = [artifactFiles(join(dir, 'clean')), artifactFiles(join(dir, 'faulty'))];
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const f of Object.keys(a)) expect(b[f], f).toBe(a[f]);
  }, 300_000);
});
