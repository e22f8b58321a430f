/**
 * 100k pointwise items with the no-model baselines, end to end: the set is read from a JSONL file through the
 * dataset plugin, each judge scores every item, and Pearson/Spearman/Kendall are computed. Prints the measured
 * seconds and items/s per judge (SELFJ_VECTORS names the static word-vector table for the similarity baseline;
 * without it that row is left out and says so). Target: under 60 s for all of it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry } from '@selfj/core';
import { runMetaEval, type SetSpec } from '@selfj/meta-eval';

const N = Number(process.env.BENCH_ITEMS ?? 100_000);
const WORDS = 'the a cat dog house river market answer question people water light music paper school city country small large green quickly because about after before during under over between system number'.split(' ');

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const r = rng(7);
const text = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');
const dir = mkdtempSync(join(tmpdir(), 'selfj-meta-eval-bench-'));
const lines: string[] = [];
const scores: string[] = [];
for (let i = 0; i < N; i++) {
  const len = 20 + Math.floor(r() * 150);
  const row = { instruction: `Q${i}: ${text(12)}`, response: text(len), reference: text(80), grade: Math.min(10, Math.max(1, Math.round(len / 17 + r() * 3))) };
  lines.push(JSON.stringify(row));
  scores.push(JSON.stringify({ instruction: row.instruction, response: row.response, s: row.grade + r() }));
}
mkdirSync(join(dir, 'bench', 'set'), { recursive: true });
writeFileSync(join(dir, 'bench', 'set', 'items.jsonl'), lines.join('\n') + '\n');
writeFileSync(join(dir, 'scores.jsonl'), scores.join('\n') + '\n');

const set: SetSpec = {
  name: 'bench-100k',
  title: `${N} synthetic pointwise items`,
  kind: 'pointwise',
  protocol: 'correlation',
  paper: 'benchmark',
  sources: [{ parts: { rows: { host: 'github', repo: 'bench/set', files: ['items.jsonl'], fields: { instruction: 'instruction', response: 'response', reference: 'reference', grade: 'grade' } } } }],
  published: [],
};
const judges = ['length', 'length:words', `scores:${join(dir, 'scores.jsonl')}#s`];
if (process.env.SELFJ_VECTORS) judges.push(`similarity:static:${process.env.SELFJ_VECTORS}`);

const t0 = performance.now();
const result = await runMetaEval({ registry: createRegistry(), sets: [set], judges, dataDir: dir, batchSize: 4096 });
const total = (performance.now() - t0) / 1000;
const load = total - result.rows.reduce((a, x) => a + x.seconds, 0);
console.log(`meta-eval pointwise bench: ${N} items, CPU threads available: ${(await import('node:os')).availableParallelism()}`);
console.log(`  load (JSONL via @selfj/dataset-files, 2 passes) + judge setup (scores file, word vectors): ${load.toFixed(2)} s  (${Math.round(N / load)} items/s)`);
for (const row of result.rows) {
  console.log(`  ${row.judge.padEnd(24).slice(0, 60)} ${row.status} n=${row.n}  ${row.seconds.toFixed(2)} s  ${Math.round(row.n / row.seconds)} items/s  pearson ${row.metrics.pearson?.toFixed(3)}`);
}
if (!process.env.SELFJ_VECTORS) console.log('  similarity: left out (set SELFJ_VECTORS to a static word-vector table to include it)');
console.log(`  total ${total.toFixed(2)} s for ${judges.length} judges on ${N} items (target < 60 s): ${total < 60 ? 'met' : 'NOT met'}`);
rmSync(dir, { recursive: true, force: true });
