/**
 * Benchmark: the non-model stages stream 100k synthetic records (label, similarity with the static embedder,
 * judge-head inference, metrics + calibration). Prints records/s per stage and the peak RSS of the process
 * against the targets (>= 20k records/s, < 300 MB).
 *   npx tsc -p tsconfig.bench.json && node dist/bench/stages-100k.js [n]
 * Needs the word vectors: SELFJ_VECTORS or ../shared/models/glove-20k-100d.i8.bin from the repo root.
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BINS, runLabel, runSimilarity, DEFAULT_COMBINE, EmbedderSimilarity } from '@selfj/core/stages';
import { calibrateThreshold } from '@selfj/core/decide';
import { evaluateScores } from '@selfj/core/metrics';
import { kernels, readJsonl } from '@selfj/core/infra';
import { type Embedder } from '@selfj/core';

const N = Number(process.argv[2] ?? 100_000);
const TARGET_RATE = 20_000;
const TARGET_RSS_MB = 300;
const WORDS = 'the a answer good water list sum code function return value sky blue cat dog tree river house number small large quickly because however result method data model question simple'.split(' ');

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeSynthetic(file: string, n: number): Promise<void> {
  const r = rng(1);
  const sentence = (k: number) => Array.from({ length: k }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    const p = Array.from({ length: BINS }, () => r());
    const s = p.reduce((a, b) => a + b, 0);
    const rec = { key: `k${i}#0`, id: `k${i}`, sample: 0, instruction: sentence(8), reference: sentence(16), response: sentence(14), z1: r() * 9, z0: r() * 9, withReference: { probs: p.map((x) => x / s) } };
    if (!out.write(`${JSON.stringify(rec)}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res) => out.end(res));
}

async function embedder(): Promise<Embedder> {
  const path = process.env.SELFJ_VECTORS ?? resolve('../../../shared/models/glove-20k-100d.i8.bin');
  if (!existsSync(path)) throw new Error(`word vectors not found at ${path}; set SELFJ_VECTORS`);
  // Dynamic import by name: the core does not depend on plugins, the benchmark borrows the workspace one.
  const mod = (await import('@selfj/embed-static' as string)) as { StaticEmbedder: { load(o: { path: string }): Promise<Embedder> } };
  return mod.StaticEmbedder.load({ path });
}

interface Row {
  stage: string;
  records: number;
  seconds: number;
  /** CPU seconds of this process (user + system) during the stage: the rate per CPU second is what the stage
   * achieves on a machine it has to itself (this one is shared, so wall time varies several-fold). */
  cpu: number;
}

let cpu0 = process.cpuUsage();
let wall0 = performance.now();
function mark(): void {
  cpu0 = process.cpuUsage();
  wall0 = performance.now();
}
function row(stage: string, records: number): Row {
  const c = process.cpuUsage(cpu0);
  return { stage, records, seconds: (performance.now() - wall0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

function line(r: Row): string {
  const rate = r.records / r.seconds;
  const cpuRate = r.records / r.cpu;
  return `${r.stage.padEnd(22)} ${String(r.records).padStart(7)} rec  ${r.seconds.toFixed(2).padStart(6)} s wall ${Math.round(rate).toString().padStart(8)} rec/s  ${r.cpu.toFixed(2).padStart(6)} s cpu ${Math.round(cpuRate).toString().padStart(8)} rec/cpu-s  ${rate >= TARGET_RATE ? 'ok' : cpuRate >= TARGET_RATE ? 'ok per cpu-s (machine busy)' : 'BELOW TARGET'}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'selfj-bench-'));
  const rows: Row[] = [];
  try {
    const input = join(dir, 'self-eval.jsonl');
    await writeSynthetic(input, N);
    const k = await kernels();
    const emb = await embedder();

    mark();
    const sim = await runSimilarity({ dir: join(dir, 'similarity'), input, similarity: new EmbedderSimilarity(emb), batchSize: 512, progress: false });
    rows.push(row('similarity (static)', sim.written));

    mark();
    const lab = await runLabel({ dir: join(dir, 'label'), input: sim.recordsFile, config: DEFAULT_COMBINE, progress: false });
    rows.push(row('label', lab.written));

    // Judge-head inference over streamed 64-d features, 4096 rows per call.
    const dim = 64;
    const rows4k = 4096;
    const w = Float32Array.from({ length: BINS * dim }, (_, i) => Math.sin(i) * 0.01);
    const bias = new Float32Array(BINS);
    const h = new Float32Array(rows4k * dim);
    const off = new Float32Array(rows4k * BINS);
    const r = rng(2);
    mark();
    let done = 0;
    let checksum = 0;
    while (done < N) {
      const m = Math.min(rows4k, N - done);
      for (let i = 0; i < m * dim; i++) h[i] = r() - 0.5;
      off.fill(-Math.log(BINS));
      const o = k.judgeHeadForward({ h: h.subarray(0, m * dim), w, bias, offset: off.subarray(0, m * BINS), dim, bins: BINS });
      checksum += o.scores[0];
      done += m;
    }
    rows.push(row('judge-head inference', done));

    // Metrics + calibration over the labelled stream (scores = z0, grades = z).
    mark();
    const scores = new Float64Array(N);
    const grades = new Float64Array(N);
    let n = 0;
    for await (const l of readJsonl(lab.recordsFile)) {
      scores[n] = l.value!.z0 as number;
      grades[n] = l.value!.z as number;
      n++;
    }
    const rep = evaluateScores(scores.subarray(0, n), grades.subarray(0, n), { maxGrade: 9, badBelow: 5 });
    const cal = calibrateThreshold({ scores: scores.subarray(0, n), bad: Array.from(grades.subarray(0, n), (g) => g < 5), targetRisk: 0.5, delta: 0.1 });
    rows.push(row('metrics + calibrate', n));

    const rssMb = process.resourceUsage().maxRSS / 1024;
    const info = (k as { info(): { backend: string; isa: string } }).info();
    process.stdout.write(`selfj non-model stages, ${N} synthetic records (native ${info.backend}/${info.isa}; checksum ${checksum.toFixed(3)}, pearson ${rep.pearson.toFixed(3)}, tau ${cal.tau})\n`);
    for (const row of rows) process.stdout.write(`${line(row)}\n`);
    process.stdout.write(`peak RSS ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${rssMb < TARGET_RSS_MB ? 'ok' : 'ABOVE TARGET'}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
