/**
 * Throughput of the OpenAI backend against several `selfj serve` processes: core's self-eval stage (2 prompts per
 * record) through OpenAIBackend, against 1, 2 and 4 servers whose backend sleeps BENCH_DELAY_MS per prompt with
 * BENCH_PARALLEL prompts at once (so each server's capacity is known: parallel / delay prompts/s), printed as
 * records/s and as a ratio to the ideal (servers x capacity / 2). Then, at 4 servers, records/s against the stage's
 * concurrency, with the adaptive limit and with a fixed one.
 * Target: >= 85% of linear from 1 to 4 servers (rate(4) / (4 x rate(1))).
 * Env: BENCH_DELAY_MS (100), BENCH_PARALLEL (4), BENCH_SECONDS (6: records per run = ideal rate x seconds).
 * (A long delay per prompt and a low rate keep the timer slop and CPU contention of a busy machine small next to it;
 * the first and last seconds of a run, ramp-up and the drained tail, count against it.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TEMPLATES, runSelfEval } from '@selfj/core/stages';
import { createOpenAIBackend } from '@selfj/backend-openai';
import { startServer, stopServers } from './children.js';

const DELAY = Number(process.env.BENCH_DELAY_MS ?? 100);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const idealPerServer = (PARALLEL * 1000) / DELAY / 2; // records/s: two prompts per record

function input(dir: string, n: number): string {
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ key: `r${i}`, instruction: `Instruction number ${i}: explain it.`, reference: `Reference ${i}.`, response: `Response ${i % 7}.` }),
  );
  const file = join(dir, 'input.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function rate(servers: number, concurrency: number, adaptive: boolean): Promise<number> {
  const running = await Promise.all(Array.from({ length: servers }, () => startServer({ kind: 'sleepy', delayMs: DELAY, parallel: PARALLEL })));
  const dir = mkdtempSync(join(tmpdir(), 'selfj-scale-'));
  try {
    const n = Math.round(idealPerServer * servers * SECONDS);
    const file = input(dir, n);
    const backend = await createOpenAIBackend(`${running.map((s) => s.url).join(',')}#bench`, { env: {}, adaptive, concurrency: 32 });
    try {
      const t0 = performance.now();
      const r = await runSelfEval({ dir: join(dir, 'out'), input: file, backend, templates: DEFAULT_TEMPLATES, batchSize: 8, concurrency, progress: false });
      if (r.written !== n) throw new Error(`wrote ${r.written} of ${n} records`);
      return n / ((performance.now() - t0) / 1000);
    } finally {
      await backend.close();
    }
  } finally {
    await stopServers(running);
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x: number, d = 0) => x.toFixed(d).padStart(7);
console.log(`\nself-eval through OpenAIBackend against selfj serve processes (${PARALLEL} prompts at once x ${DELAY} ms each: ${idealPerServer} records/s per server)\n`);
console.log('servers | stage conc. | records/s |  ideal | of ideal');
const byServers: number[] = [];
for (const servers of [1, 2, 4]) {
  const r = await rate(servers, 16, true);
  byServers.push(r);
  console.log(`${f(servers)} | ${f(16, 0).padStart(11)} | ${f(r).padStart(9)} | ${f(idealPerServer * servers)} | ${f((r / (idealPerServer * servers)) * 100)}%`);
}
console.log('\nat 4 servers, by stage concurrency (adaptive limit vs fixed at 32 per server)');
console.log('stage conc. | adaptive rec/s | of ideal | fixed rec/s | of ideal');
for (const c of [2, 8, 32]) {
  const [a, x] = [await rate(4, c, true), await rate(4, c, false)];
  const ideal = idealPerServer * 4;
  console.log(`${f(c).padStart(11)} | ${f(a).padStart(14)} | ${f((a / ideal) * 100)}% | ${f(x).padStart(11)} | ${f((x / ideal) * 100)}%`);
}
const linear = byServers[2] / (4 * byServers[0]);
console.log(`\ntarget: >= 85% of linear from 1 to 4 servers -> ${(linear * 100).toFixed(0)}%: ${linear >= 0.85 ? 'PASS' : 'FAIL'}`);
