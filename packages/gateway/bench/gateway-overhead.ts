/**
 * What the gateway costs, measured side by side in one run (rounds alternate, medians kept; these machines are
 * noisy), printed as ratios:
 * 1. latency and throughput through the gateway (gate mode) against the upstream called directly, at concurrency
 *    1, 16 and 64; target: added p50 latency <= the judge's own time + 1 ms, the judge's time being its p50 on the
 *    same requests (from the gateway's decision log; at concurrency 1 nothing waits, so it is the scoring alone),
 *    and for reference the judge timed alone in the gateway process on a fixed answer between the rounds, and a
 *    bare HTTP proxy process in front of the upstream (what one more process hop costs on this machine);
 * 2. shadow mode's throughput at concurrency 64 against the upstream alone, with the judge on a server of its own
 *    and with the judge in the gateway process (sharing this machine's cores with the upstream); target >= 80%;
 * 3. micro-batching at concurrency 64, judge batches of up to 16 against batches of 1: with the in-process tiny
 *    judge (CPU-bound: a batch costs what its items cost one by one), and with a judge server that answers each
 *    prompt after a fixed delay, many at once (how a GPU server such as vLLM behaves below saturation).
 * The upstream is `selfj serve` over the real tiny model in its own process, each gateway another process (its
 * judge zero-shot on its own copy of the tiny model unless said), and the load comes from this one (keep-alive HTTP).
 * Env: SELFJ_TEST_MODEL (the tiny GGUF), BENCH_ROUNDS (3), BENCH_MAX_TOKENS (32), BENCH_SEQUENCES (4: upstream and
 * judge llama.cpp sequences), BENCH_JUDGE_DELAY_MS (50: the latency judge server).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { cpuOf, judgeTime, startChild, stopChildren, type Child } from './children.js';

const MODEL = resolve(process.env.SELFJ_TEST_MODEL ?? '');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 32);
const SEQUENCES = Number(process.env.BENCH_SEQUENCES ?? 4);
const JUDGE_DELAY = Number(process.env.BENCH_JUDGE_DELAY_MS ?? 50);
const REQUESTS: Record<number, number> = { 1: 60, 16: 96, 64: 192 };
/** Concurrency 1 compares a few ms on a noisy machine: more rounds there. */
const roundsAt = (c: number) => (c === 1 ? Math.max(ROUNDS, 5) : ROUNDS);

interface Run {
  p50: number;
  rps: number;
  /** Each request's latency (ms) by the X-Request-Id it was answered with. */
  byId: Map<string, number>;
}

function post(agent: Agent, url: URL, body: string): Promise<{ ms: number; id: string }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
      r.resume();
      const id = String(r.headers['x-request-id'] ?? '');
      r.on('end', () => (r.statusCode === 200 ? res({ ms: performance.now() - t0, id }) : rej(new Error(`HTTP ${r.statusCode} from ${url.host}`))));
    });
    req.on('error', rej);
    req.end(body);
  });
}

/** `n` chat requests at `concurrency`, against a base URL (…/v1): p50 latency (ms) and requests/s. */
async function load(base: string, concurrency: number, n: number): Promise<Run> {
  const url = new URL(`${base}/chat/completions`);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const lat: number[] = [];
  const byId = new Map<string, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: `Tell me a story number ${i % 16}.` }], max_tokens: MAX_TOKENS, temperature: 0.7, seed: i });
        const r = await post(agent, url, body);
        lat.push(r.ms);
        byId.set(r.id, r.ms);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { p50: lat[lat.length >> 1], rps: n / seconds, byId };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Alternating rounds of each target at one concurrency; the median p50 and requests/s of each. */
/** Decision-log lines of a gateway from line `from` on. */
function logLines(file: string, from = 0): { id: string; judgeMs?: number; upstreamMs: number; totalMs: number }[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(from).map((l) => JSON.parse(l));
}

async function sideBySide(targets: Record<string, string>, concurrency: number, eachRound?: () => Promise<void>, n = REQUESTS[concurrency]): Promise<Record<string, Run>> {
  const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  for (const [, base] of Object.entries(targets)) await load(base, concurrency, Math.min(16, n)); // warm-up
  for (let r = 0; r < roundsAt(concurrency); r++) {
    for (const [k, base] of Object.entries(targets)) runs[k].push(await load(base, concurrency, n));
    await eachRound?.();
  }
  return Object.fromEntries(
    Object.entries(runs).map(([k, rs]) => [k, { p50: median(rs.map((x) => x.p50)), rps: median(rs.map((x) => x.rps)), byId: new Map(rs.flatMap((x) => [...x.byId])) }]),
  );
}

/** Mean judge batch size from a gateway's /metrics. */
async function meanBatch(gatewayBase: string): Promise<number> {
  const text = await (await fetch(`${gatewayBase.replace(/\/v1$/, '')}/metrics`)).text();
  const sum = Number(/selfj_gateway_judge_batch_size_sum (\S+)/.exec(text)?.[1]);
  const count = Number(/selfj_gateway_judge_batch_size_count (\S+)/.exec(text)?.[1]);
  return sum / count;
}

const f = (x: number, d = 1) => x.toFixed(d);

async function main(): Promise<void> {
  if (!existsSync(MODEL) || !process.env.SELFJ_TEST_MODEL) {
    throw new Error('Set SELFJ_TEST_MODEL to a GGUF model (the tiny one: Hugging Face ggml-org/models, tinyllamas/stories260K.gguf).');
  }
  const children: Child[] = [];
  try {
    const upstream = await startChild({ kind: 'upstream', model: MODEL, sequences: SEQUENCES });
    children.push(upstream);
    const logs = mkdtempSync(join(tmpdir(), 'selfj-gw-bench-logs-'));
    let nLog = 0;
    const gw = async (mode: 'gate' | 'shadow', batch: number, judge?: string) => {
      const log = join(logs, `gateway-${nLog++}.jsonl`);
      return { ...(await startChild({ kind: 'gateway', model: MODEL, upstream: upstream.url, mode, batch, judgeSequences: SEQUENCES, judge, log })), log };
    };
    const proxy = await startChild({ kind: 'proxy', upstream: upstream.url });
    children.push(proxy);
    const gate = await gw('gate', 16);
    const shadow = await gw('shadow', 16);
    const single = await gw('gate', 1);
    const latencyJudge = await startChild({ kind: 'latency-judge', delayMs: JUDGE_DELAY, parallel: 64 });
    children.push(gate, shadow, single, latencyJudge);
    const remote = `openai:${latencyJudge.url}#bench;concurrency=64;adaptive=false`;
    const remoteBatched = await gw('gate', 16, remote);
    const remoteSingle = await gw('gate', 1, remote);
    const shadowRemote = await gw('shadow', 16, remote);
    // The gateway alone: an upstream and a judge server that answer at once, so only the gateway's own work remains.
    const instant = await startChild({ kind: 'latency-judge', delayMs: 0, parallel: 64 });
    children.push(remoteBatched, remoteSingle, shadowRemote, instant);
    const log = join(logs, `gateway-${nLog++}.jsonl`);
    const alone = { ...(await startChild({ kind: 'gateway', model: MODEL, upstream: instant.url, mode: 'gate', batch: 16, judgeSequences: 1, judge: `openai:${instant.url}#bench;concurrency=64;adaptive=false`, log })), log };
    children.push(alone);
    console.log(`selfj gateway overhead: tiny model (stories260K), ${MAX_TOKENS} tokens per answer, llama.cpp ${SEQUENCES} sequences x 1 thread, ${ROUNDS} alternating rounds\n`);
    console.log('conc. | direct p50 ms | gateway p50 ms | added ms | judge p50 ms (same requests / alone) | added - judge ms | gateway / direct req/s');
    let ownAtOne = NaN;
    let breakdown = '';
    for (const c of [1, 16, 64]) {
      const alone: number[] = [];
      const from = logLines(gate.log).length;
      const targets: Record<string, string> = c === 1 ? { direct: upstream.url, gateway: gate.url, proxy: proxy.url } : { direct: upstream.url, gateway: gate.url };
      const r = await sideBySide(targets, c, async () => void alone.push(await judgeTime(gate)));
      const lines = logLines(gate.log, from);
      const judged = median(lines.map((l) => l.judgeMs!));
      const extra = r.gateway.p50 - r.direct.p50;
      // Above concurrency 1 the judge's time in a request includes waiting for the judge: only c1 isolates the gateway.
      const own = c === 1 ? f(extra - judged, 2) : '-';
      if (c === 1) {
        ownAtOne = extra - judged;
        // Paired by request id: what the client saw against what the gateway measured inside, request by request.
        const inOut = median(lines.filter((l) => r.gateway.byId.has(l.id)).map((l) => r.gateway.byId.get(l.id)! - l.totalMs));
        const handling = median(lines.map((l) => l.totalMs - l.upstreamMs - (l.judgeMs ?? 0)));
        breakdown =
          `concurrency 1, the gateway's own time per request (p50, paired by request id): handling ${f(handling, 2)} ms inside, request in and answer out ${f(inOut, 2)} ms; ` +
          `its upstream call ${f(median(lines.map((l) => l.upstreamMs)))} ms (the upstream direct: ${f(r.direct.p50)}). ` +
          `A bare HTTP proxy process in front of the upstream adds ${f(r.proxy.p50 - r.direct.p50, 2)} ms here (one more process hop, no work).`;
      }
      console.log(
        `${String(c).padStart(5)} | ${f(r.direct.p50).padStart(13)} | ${f(r.gateway.p50).padStart(14)} | ${f(extra).padStart(8)} | ${`${f(judged)} / ${f(median(alone))}`.padStart(37)} | ${own.padStart(16)} | ${f(r.gateway.rps / r.direct.rps, 2).padStart(22)}`,
      );
    }
    console.log(breakdown);
    // Concurrency 1 again with the judge on a server of its own: no llama.cpp threads in the gateway process
    // competing with its HTTP handling for this machine's two cores.
    const fromR = logLines(remoteBatched.log).length;
    const rr = await sideBySide({ direct: upstream.url, gateway: remoteBatched.url }, 1);
    const linesR = logLines(remoteBatched.log, fromR);
    const judgedR = median(linesR.map((l) => l.judgeMs!));
    const ownRemote = rr.gateway.p50 - rr.direct.p50 - judgedR;
    const inOutR = median(linesR.filter((l) => rr.gateway.byId.has(l.id)).map((l) => rr.gateway.byId.get(l.id)! - l.totalMs));
    console.log(
      `concurrency 1, judge on a server of its own (${JUDGE_DELAY} ms a prompt): added ${f(rr.gateway.p50 - rr.direct.p50)} ms, judge ${f(judgedR)} ms in the same requests: ` +
        `added - judge ${f(ownRemote, 2)} ms (request in and answer out ${f(inOutR, 2)} ms, paired)`,
    );
    {
      const from = logLines(alone.log).length;
      const r = await sideBySide({ direct: instant.url, gateway: alone.url }, 1, undefined, 200);
      const lines = logLines(alone.log, from).filter((l) => r.gateway.byId.has(l.id));
      const judged = median(lines.map((l) => l.judgeMs!));
      const own = r.gateway.p50 - r.direct.p50 - judged;
      const inOut = median(lines.map((l) => r.gateway.byId.get(l.id)! - l.totalMs));
      console.log(
        `the gateway alone (an upstream and a judge server that answer at once), concurrency 1: direct ${f(r.direct.p50, 2)} ms, through the gateway ${f(r.gateway.p50, 2)} ms, ` +
          `of which the judge call ${f(judged, 2)} ms: added - judge = ${f(own, 2)} ms (its upstream call ${f(median(lines.map((l) => l.upstreamMs)), 2)} ms, ` +
          `handling ${f(median(lines.map((l) => l.totalMs - l.upstreamMs - l.judgeMs!)), 2)} ms, request in and answer out ${f(inOut, 2)} ms) -> target <= 1 ms ${own <= 1 ? 'met' : 'NOT met'}`,
      );
    }
    const cpu0 = await cpuOf(shadowRemote);
    const sh = await sideBySide({ direct: upstream.url, shadow: shadow.url, remote: shadowRemote.url }, 64);
    await new Promise((r) => setTimeout(r, 1000)); // shadow lines are written after their late scoring
    const remoteRequests = logLines(shadowRemote.log).length;
    const cpuPerRequest = ((await cpuOf(shadowRemote)) - cpu0) / remoteRequests;
    const mb = await sideBySide({ batched: gate.url, single: single.url }, 64);
    const rb = await sideBySide({ batched: remoteBatched.url, single: remoteSingle.url }, 64);
    const batch = async (c: Child) => f(await meanBatch(c.url), 1);
    console.log(`\nshadow, concurrency 64, against ${f(sh.direct.rps)} req/s direct (target >= 0.80):`);
    console.log(`  judge on a server of its own: ${f(sh.remote.rps)} req/s = ${f(sh.remote.rps / sh.direct.rps, 2)}; the gateway process used ${f(cpuPerRequest, 2)} ms of CPU per request (parse, upstream and judge calls, answer, log)`);
    console.log(`  judge in the gateway process, on the CPU cores the upstream uses: ${f(sh.shadow.rps)} req/s = ${f(sh.shadow.rps / sh.direct.rps, 2)} (background scoring takes their CPU)`);
    console.log('micro-batching, concurrency 64, judge batches <= 16 vs batches of 1 (mean batch size in brackets):');
    console.log(`  in-process tiny judge (CPU): ${f(mb.batched.rps)} req/s [${await batch(gate)}] vs ${f(mb.single.rps)} req/s [${await batch(single)}] = ${f(mb.batched.rps / mb.single.rps, 2)}x`);
    console.log(
      `  judge server, ${JUDGE_DELAY} ms per prompt, 64 at once: ${f(rb.batched.rps)} req/s [${await batch(remoteBatched)}] vs ${f(rb.single.rps)} req/s [${await batch(remoteSingle)}] = ${f(rb.batched.rps / rb.single.rps, 2)}x`,
    );
    console.log(
      `target at concurrency 1, added p50 <= judge + 1 ms: judge in-process ${ownAtOne <= 1 ? 'met' : 'NOT met'} (added - judge = ${f(ownAtOne, 2)} ms), ` +
        `judge on its own server ${ownRemote <= 1 ? 'met' : 'NOT met'} (${f(ownRemote, 2)} ms)`,
    );
  } finally {
    await stopChildren(children);
  }
}

await main();
