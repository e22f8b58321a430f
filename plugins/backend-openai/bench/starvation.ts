/**
 * Starvation benchmark for `selfj serve` over the real tiny model: the latency of a small request (4 tokens)
 * started every 120 ms while one large request (BENCH_BIG prompts x 64 tokens) runs, as a ratio to the same small
 * request on the idle
 * server, side by side for
 *   fifo:     every prompt handed to the backend at once (what the server did before: the small request queues
 *             behind the whole large one),
 *   fair/1:   the fair scheduler with one unit of work at a time (the default: one llama.cpp sequence, exact),
 *   fair/2:   the fair scheduler with two sequences of one context (one kept free for newcomers; batched together,
 *             so results move ~1e-3 with what else runs),
 *   fair/2c:  the fair scheduler with two contexts of one sequence each (one kept free for newcomers; each decodes
 *             alone, so results stay exact).
 * Also the wait in units of one large-request prompt (a 64-token generation, timed alone: what a newcomer may have
 * to wait for with one sequence), and the large request's own throughput (prompts/s), to show what fairness costs it.
 * Target: small-request latency under load <= 3x idle.
 * Env: SELFJ_TEST_MODEL (default ../shared/models/stories260K.gguf), BENCH_BIG (100), BENCH_SMALL (8).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { median, startServer, stopServers } from './children.js';

const model = resolve(process.env.SELFJ_TEST_MODEL ?? '../../../shared/models/stories260K.gguf');
const BIG = Number(process.env.BENCH_BIG ?? 100);
const SMALL = Number(process.env.BENCH_SMALL ?? 8);

async function complete(url: string, prompt: string | string[], maxTokens: number): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bench', prompt, max_tokens: maxTokens, temperature: 0 }),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  await res.json();
  return performance.now() - t0;
}

async function smallLatencies(url: string, n: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await complete(url, `Once upon a time ${tag} ${i}`, 4));
  return out;
}

/** Small requests started every `gapMs` while `busy` runs (each measured on its own); all must start before it ends. */
async function underLoad(url: string, n: number, gapMs: number, busy: Promise<unknown>): Promise<{ ms: number[]; allDuring: boolean }> {
  let over = false;
  void busy.finally(() => (over = true));
  const runs: Promise<number>[] = [];
  let allDuring = true;
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    if (over) allDuring = false;
    runs.push(complete(url, `Once upon a time loaded ${i}`, 4));
  }
  return { ms: await Promise.all(runs), allDuring };
}

interface Row {
  name: string;
  /** One prompt of the large request alone (64 tokens): the unit a newcomer may have to wait for. */
  unitMs: number;
  idleMs: number;
  loadedMs: number;
  worstMs: number;
  bigPromptsPerS: number;
}

async function measure(name: string, config: Record<string, unknown>): Promise<Row> {
  const s = await startServer({ kind: 'llama', model, threads: 1, ...config });
  try {
    await smallLatencies(s.url, 3, 'warm');
    const idle = await smallLatencies(s.url, SMALL, 'idle');
    const units: number[] = [];
    for (let i = 0; i < 3; i++) units.push(await complete(s.url, `The little dog number ${i} went to the park and`, 64));
    const prompts = Array.from({ length: BIG }, (_, i) => `The little dog number ${i} went to the park and`);
    const big = complete(s.url, prompts, 64);
    await new Promise((r) => setTimeout(r, 200));
    const loaded = await underLoad(s.url, SMALL, 120, big);
    const bigMs = await big;
    if (!loaded.allDuring) console.log(`(${name}: the large request ended before every small one started; raise BENCH_BIG)`);
    return { name, unitMs: median(units), idleMs: median(idle), loadedMs: median(loaded.ms), worstMs: Math.max(...loaded.ms), bigPromptsPerS: BIG / (bigMs / 1000) };
  } finally {
    await stopServers([s]);
  }
}

if (!existsSync(model)) throw new Error(`Model ${model} missing (Hub: ggml-org/models tinyllamas/stories260K.gguf; set SELFJ_TEST_MODEL).`);
const rows = [
  await measure('fifo', { parallel: 1024 }),
  await measure('fair/1', { parallel: 1 }),
  await measure('fair/2', { parallel: 2, sequences: 2, batchSize: 1024 }),
  await measure('fair/2c', { parallel: 2, contexts: 2 }),
];
const f = (x: number, d = 1) => x.toFixed(d).padStart(8);
console.log(`\nselfj serve: a 4-token request while one request of ${BIG} prompts x 64 tokens runs (median of ${SMALL}; real tiny model, 1 thread)\n`);
console.log('server  | idle ms | loaded ms | worst ms | loaded/idle | waited, in 64-token units | large request prompts/s');
for (const r of rows) {
  const units = (r.loadedMs - r.idleMs) / r.unitMs;
  console.log(`${r.name.padEnd(7)} | ${f(r.idleMs)} | ${f(r.loadedMs)}  | ${f(r.worstMs)} | ${f(r.loadedMs / r.idleMs, 2)}x   | ${f(units, 2)} (unit ${f(r.unitMs).trim()} ms)      | ${f(r.bigPromptsPerS)}`);
}
for (const r of rows.slice(1)) {
  const ratio = r.loadedMs / r.idleMs;
  console.log(`target (${r.name}): small-request latency under load <= 3x idle -> ${ratio.toFixed(2)}x: ${ratio <= 3 ? 'PASS' : 'FAIL'}`);
}
