/**
 * The conformance suite on OpenAIBackend, pointed at `selfj serve` machinery (startOpenAIServer) on loopback that
 * serves the real tiny model through LlamaCppBackend: the whole HTTP round trip with real tokens and probabilities.
 * Both client routes run: selfj's batch extension and plain OpenAI logprobs. Also checks that digit probabilities
 * read over HTTP equal the in-process backend's (within 1e-4) where both see the digit, for text and chat prompts,
 * that the client reports the served backend's capabilities (chat template, context) and that a self-eval run through
 * selfj serve writes byte-identical records to the same run in-process (real fixture data), and that the
 * `selfj serve` command itself starts, serves and stops cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, digitCandidates, runSelfEval } from '@selfj/core/stages';
import { type Prompt } from '@selfj/core';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { OpenAIBackend, createOpenAIBackend, startOpenAIServer, type OpenAIServer } from '@selfj/backend-openai';
import { ALPACA_MISSING, artifactFiles, haveAlpaca, selfEvalInput } from './openai-fixtures.js';
import { DEFAULT_CONFORMANCE_PROMPTS, runBackendConformance } from './suite.js';
import { testModelPath } from './test-model.js';

const modelPath = testModelPath();
const threads = Number(process.env.SELFJ_TEST_THREADS ?? 1);

let local: LlamaCppBackend;
let server: OpenAIServer;
let ready: Promise<void> | undefined;

/** One model and one server for the whole file (the suite's backend and the comparison below share them). */
function start(): Promise<void> {
  ready ??= (async () => {
    local = await LlamaCppBackend.load(modelPath, { contextSize: 512, threads });
    server = await startOpenAIServer({ backend: local, host: '127.0.0.1', port: 0, modelName: 'stories260K' });
  })();
  return ready;
}

afterAll(async () => {
  await server?.close();
  await local?.close();
}, 60_000);

// Two ways through the same server: selfj's exact batch extension (the default against selfj serve), and plain
// OpenAI logprobs with the whole vocabulary (what the client does against vLLM --max-logprobs -1).
const ROUTES: [string, Record<string, unknown>][] = [
  ['selfj extension', {}],
  ['OpenAI logprobs', { selfjExtension: false }],
];

for (const [route, options] of ROUTES) {
  runBackendConformance(
    `openai (selfj serve over llama-cpp, loopback, ${route})`,
    async () => {
      await start();
      // The suite closes the backend it gets; the model and server stay up for the other checks.
      return createOpenAIBackend(`${server.url}#stories260K`, { env: {}, ...options });
    },
    { logprobs: 'full', embeddings: true, features: false },
  );

  describe(`digit probabilities over HTTP (${route}) equal the in-process ones`, () => {
    let client: OpenAIBackend;
    beforeAll(async () => {
      await start();
      client = await createOpenAIBackend(`${server.url}#stories260K`, { env: {}, ...options });
    }, 120_000);
    afterAll(() => client?.close());

    // Strings go to /v1/completions; chat messages to /v1/chat/completions (rendered by the model's template).
    const texts = DEFAULT_CONFORMANCE_PROMPTS.slice(0, 8);
    const cases: [string, Prompt[]][] = [
      ['text prompts', texts],
      ['chat prompts', texts.map((content): Prompt => [{ role: 'user', content }])],
    ];
    for (const [name, prompts] of cases) {
      it(`${name}: within 1e-4 for every digit candidate visible on both sides`, async () => {
        const { candidates } = digitCandidates();
        const want = await local.nextTokenProbabilities(prompts, candidates);
        const got = await client.nextTokenProbabilities(prompts, candidates);
        let compared = 0;
        for (let i = 0; i < prompts.length; i++) {
          expect(got[i].coverage).toBe('full');
          for (const c of candidates) {
            const a = want[i].probs[c];
            const b = got[i].probs[c];
            if (a === undefined || b === undefined) continue;
            expect(Math.abs(a - b), `prompt ${i} candidate ${JSON.stringify(c)}`).toBeLessThan(1e-4);
            compared++;
          }
        }
        expect(compared).toBeGreaterThanOrEqual(prompts.length * 10);
      }, 120_000);
    }
  });
}

describe('through selfj serve, the in-process results', () => {
  it('the client reports the served backend\'s own capabilities (this model has no chat template)', async () => {
    await start();
    const client = await createOpenAIBackend(`${server.url}#stories260K`, { env: {} });
    try {
      const want = local.capabilities();
      expect(want.chatTemplate).toBe(false);
      expect(client.capabilities()).toMatchObject({ logprobs: want.logprobs, chatTemplate: want.chatTemplate, contextSize: want.contextSize });
    } finally {
      await client.close();
    }
  }, 120_000);

  it.skipIf(!haveAlpaca)(`self-eval on 40 real fixture records: artifacts byte-identical in-process and through selfj serve${haveAlpaca ? '' : ` (skipped: ${ALPACA_MISSING})`}`, async () => {
    await start();
    const dir = mkdtempSync(join(tmpdir(), 'selfj-serve-same-'));
    const input = selfEvalInput(dir, 40);
    const client = await createOpenAIBackend(`${server.url}#stories260K`, { env: {} });
    try {
      const common = { input, templates: DEFAULT_TEMPLATES, batchSize: 4, concurrency: 2, onBadRecord: 'skip' as const };
      const a = await runSelfEval({ ...common, dir: join(dir, 'in-process'), backend: local });
      const b = await runSelfEval({ ...common, dir: join(dir, 'served'), backend: client });
      expect(a.written).toBeGreaterThanOrEqual(30);
      expect(b.written).toBe(a.written);
      const [x, y] = [artifactFiles(join(dir, 'in-process')), artifactFiles(join(dir, 'served'))];
      expect(y['records.jsonl']).toBe(x['records.jsonl']);
      expect(y['rejects.jsonl'] ?? '').toBe(x['rejects.jsonl'] ?? '');
      // The scores spread (not a constant that would match trivially).
      const z1 = readFileSync(join(dir, 'served', 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).z1 as number);
      expect(new Set(z1.map((v) => v.toFixed(6))).size).toBeGreaterThan(10);
    } finally {
      await client.close();
    }
  }, 300_000);
});

/** Runs `selfj serve` on the test model, hands its base URL to `use`, then stops it with SIGTERM (exit code returned). */
const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');

async function withServeCommand(use: (url: string, banner: string) => Promise<void>, port = 0): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, 'serve', '--model', modelPath, '--port', String(port), '--threads', String(threads)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /(http:\/\/\S+\/v1)/.exec(out);
        if (m) resolveUrl(m[1]);
      });
      void exited.then((code) => reject(new Error(`selfj serve exited (${code}) before printing its URL: ${err}`)));
    });
    await use(url, out);
  } finally {
    child.kill('SIGTERM');
  }
  return exited;
}

describe('selfj serve (the CLI command)', () => {
  it('prints its URL, serves the model, and exits 0 on SIGTERM', async () => {
    const code = await withServeCommand(async (url, banner) => {
      // Two exact contexts by default where there are two cores: a short request runs beside a long one.
      expect(banner).toContain(`parallel ${Math.min(2, availableParallelism())}`);
      const client = await createOpenAIBackend(`${url}#stories260K`, { env: {} });
      const text = await client.generate('Once upon a time', { temperature: 0, maxTokens: 8 });
      expect(text.text.length).toBeGreaterThan(0);
      await client.close();
    });
    expect(code).toBe(0);
  }, 120_000);

  it.skipIf(!haveAlpaca)(`self-eval through the command's model equals in-process, byte for byte${haveAlpaca ? '' : ` (skipped: ${ALPACA_MISSING})`}`, async () => {
    // The same model loaded here with the backend's defaults, as the command loads it.
    const same = await LlamaCppBackend.load(modelPath, { threads });
    try {
      await withServeCommand(async (url) => {
        const client = await createOpenAIBackend(`${url}#stories260K`, { env: {} });
        try {
          const dir = mkdtempSync(join(tmpdir(), 'selfj-serve-cli-'));
          const common = { input: selfEvalInput(dir, 12), templates: DEFAULT_TEMPLATES, batchSize: 4, onBadRecord: 'skip' as const };
          const a = await runSelfEval({ ...common, dir: join(dir, 'in-process'), backend: same });
          const b = await runSelfEval({ ...common, dir: join(dir, 'served'), backend: client });
          expect(a.written).toBeGreaterThanOrEqual(10);
          expect(artifactFiles(join(dir, 'served'))['records.jsonl']).toBe(artifactFiles(join(dir, 'in-process'))['records.jsonl']);
          expect(b.rejected).toBe(a.rejected);
        } finally {
          await client.close();
        }
      });
    } finally {
      await same.close();
    }
  }, 120_000);

  it.skipIf(!haveAlpaca)(`a stage started before its server waits for it, saying so, and completes${haveAlpaca ? '' : ` (skipped: ${ALPACA_MISSING})`}`, async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'selfj-serve-wait-'));
    const stage = spawn(
      process.execPath,
      [BIN, 'self-eval', '--backend', `openai:http://127.0.0.1:${port}/v1#stories260K`, '--input', selfEvalInput(dir, 6), '--out', join(dir, 'out'), '--on-bad-record', 'skip', '--min-digit-mass', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } },
    );
    let err = '';
    stage.stderr.on('data', (d: Buffer) => (err += d));
    stage.stdout.resume();
    const stageExit = new Promise<number | null>((r) => stage.on('exit', (code) => r(code)));
    try {
      // Nothing listens yet: the stage says it waits (the CLI starts slowly on a busy machine, hence the polling).
      const waiting = new RegExp(`Cannot reach http://127\\.0\\.0\\.1:${port}/v1 \\(.*ECONNREFUSED.*retrying for up to 60 s`);
      for (let t = 0; t < 300 && !waiting.test(err); t++) await new Promise((r) => setTimeout(r, 100));
      expect(err).toMatch(waiting);
      await withServeCommand(async () => {
        expect(await stageExit, err).toBe(0);
      }, port);
      expect(err).toMatch(/answers again \(after \d+\.\d s\)/);
      // Every record was scored (no digit-mass floor: the tiny model is not instruction-tuned).
      const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8')) as { complete: boolean; counts: { records: number; rejected: number } };
      expect(manifest.complete).toBe(true);
      expect(manifest.counts).toEqual({ records: 6, rejected: 0 });
    } finally {
      stage.kill('SIGKILL');
    }
  }, 120_000);
});

/** A TCP port nothing listens on (taken and released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
