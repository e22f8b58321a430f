import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSelfjError } from '../src/errors.js';
import { collect, formatStats, mergeShards, readCollectManifest, validateCollectManifest, type CollectManifest } from '../src/collect/index.js';

const FIXTURES = process.env.SELFJ_TEST_FIXTURES ?? ''; // set by the shared test setup (vitest.shared.ts)

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'selfj-collect-'));
}

async function jsonl(path: string): Promise<Record<string, string>[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const lines = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

/** Two small sources: "gold" (priority 2) and "bulk" (priority 1) sharing some instructions. */
async function setup(dir: string, bulkExtra: unknown[] = []) {
  const gold = Array.from({ length: 40 }, (_, i) => ({ id: `g${i}`, question: `Gold question number ${i} about topic ${i * 7}?`, answer: `Gold answer ${i}.` }));
  const bulk = [
    ...Array.from({ length: 200 }, (_, i) => ({ idx: i, instruction: `Bulk task ${i}: describe item ${i} in one sentence.`, output: `Item ${i} is fine.` })),
    { idx: 1000, instruction: 'gold QUESTION number 3 about topic 21?', output: 'copy' }, // exact dupe of gold 3
    { idx: 1001, instruction: 'Bulk task 5: describe item 5 in one sentence.', output: 'dupe' }, // exact dupe within bulk
    { idx: 1002, instruction: 'Short', output: 'x' },
    { idx: 1003, instruction: 'A perfectly fine instruction here', output: 'N/A' },
    ...bulkExtra,
  ];
  await writeFile(join(dir, 'gold.jsonl'), lines(gold));
  await writeFile(join(dir, 'bulk.jsonl'), lines(bulk));
  const manifest = {
    sources: [
      { name: 'bulk', uri: 'bulk.jsonl', mapping: { id: 'idx' }, category: 'common', priority: 1 },
      { name: 'gold', uri: 'gold.jsonl', mapping: { id: 'id', instruction: 'question', reference: 'answer' }, category: 'academic', priority: 2 },
    ],
    filters: { instruction: { minChars: 10 } },
    split: { test: 0.1 },
  };
  await writeFile(join(dir, 'm.json'), JSON.stringify(manifest));
  return readCollectManifest(join(dir, 'm.json'));
}

describe('collect end to end', () => {
  it('filters, dedupes by priority, splits, and writes stats', async () => {
    const dir = await tmp();
    const manifest = await setup(dir);
    const out = join(dir, 'out');
    const { stats, files } = await collect({ manifest, outDir: out });
    const train = await jsonl(files.train);
    const test = await jsonl(files.test);
    expect(train.length + test.length).toBe(240); // 40 gold + 200 bulk
    const copy = [...train, ...test].find((r) => /gold question number 3 /i.test(r.instruction));
    expect(copy?.source).toBe('gold'); // the higher-priority source wins
    expect(stats.sources.bulk.dropped).toEqual({ 'duplicate-exact': 2, 'instruction-too-short': 1, 'reference-placeholder': 1 });
    expect(stats.categories.academic).toEqual({ kept: 40, train: 36, test: 4, sampledOut: 0 });
    expect(stats.categories.common).toEqual({ kept: 200, train: 180, test: 20, sampledOut: 0 });
    expect(test.every((r) => r.id && r.category && r.source)).toBe(true);
    const saved = JSON.parse(await readFile(files.stats, 'utf8'));
    expect(saved.totals).toEqual(stats.totals);
    expect((await readdir(out)).sort()).toEqual(['stats.json', 'test.jsonl', 'train.jsonl']); // no temp files left
    expect(formatStats(stats)).toMatch(/TOTAL\s+244\s+240/);
  });

  it('is deterministic across runs', async () => {
    const dir = await tmp();
    const manifest = await setup(dir);
    const a = await collect({ manifest, outDir: join(dir, 'a') });
    const b = await collect({ manifest, outDir: join(dir, 'b') });
    expect(await readFile(a.files.test, 'utf8')).toBe(await readFile(b.files.test, 'utf8'));
    expect(await readFile(a.files.train, 'utf8')).toBe(await readFile(b.files.train, 'utf8'));
  });

  it('fails on a malformed line with a typed error naming source, file and row; earlier outputs survive', async () => {
    const dir = await tmp();
    const out = join(dir, 'out');
    const good = await setup(dir);
    await collect({ manifest: good, outDir: out });
    const before = await readFile(join(out, 'train.jsonl'), 'utf8');
    const manifest = await setup(dir, ['{"idx": 5000, "instruction": "broken', { idx: 5001, output: 'no instruction field' }]);
    const err = await collect({ manifest, outDir: out }).catch((e: unknown) => e);
    expect(isSelfjError(err, 'BAD_RECORD')).toBe(true);
    expect((err as Error).message).toMatch(/Source bulk, file .*bulk\.jsonl, row 205/);
    expect(await readFile(join(out, 'train.jsonl'), 'utf8')).toBe(before);
    expect((await readdir(out)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('with onBadRecord skip writes rejects with reasons and keeps going', async () => {
    const dir = await tmp();
    const manifest = await setup(dir, ['{"idx": 5000, "instruction": "broken', { idx: 5001, instruction: 42, output: 'x' }, { idx: 5002, instruction: 'A later good record to keep', output: 'Yes.' }]);
    const { stats, files } = await collect({ manifest, outDir: join(dir, 'out'), onBadRecord: 'skip' });
    const rejects = await jsonl(files.rejects);
    expect(rejects.map((r) => [r.source, r.row, r.reason])).toEqual([
      ['bulk', 205, 'malformed-json'],
      ['bulk', 206, 'missing-field'],
    ]);
    expect(rejects[0].file).toMatch(/bulk\.jsonl$/);
    expect(stats.totals.bad).toBe(2);
    expect(stats.totals.kept).toBe(241);
  });

  it('a line that is not valid UTF-8 is a bad line (named, or a malformed-json reject), never read with U+FFFD in it', async () => {
    const dir = await tmp();
    const row = (i: number) => Buffer.from(`${JSON.stringify({ instruction: `Explain topic number ${i} in two sentences`, output: `Answer ${i}.` })}\n`);
    // row 3: "café" in Latin-1 (0xe9 alone is not UTF-8); row 5: a UTF-8 line, kept
    const latin1 = Buffer.concat([Buffer.from('{"instruction": "Describe the caf'), Buffer.from([0xe9]), Buffer.from(' on the corner in detail", "output": "Nice."}\n')]);
    await writeFile(join(dir, 'mixed.jsonl'), Buffer.concat([row(1), row(2), latin1, row(4), Buffer.from(`${JSON.stringify({ instruction: 'Describe the café in detail please', output: 'Nice.' })}\n`)]));
    const manifest = validateCollectManifest({ sources: [{ name: 'mixed', uri: 'mixed.jsonl' }], dedupe: { near: false } }, 'test', dir);
    const err = await collect({ manifest, outDir: join(dir, 'a') }).catch((e: unknown) => e);
    expect(isSelfjError(err, 'BAD_RECORD')).toBe(true);
    expect((err as Error).message).toMatch(/Source mixed, file .*mixed\.jsonl, row 3: invalid UTF-8 \(byte 0xe9 at byte 34 of the line\)/);
    const { stats, files } = await collect({ manifest, outDir: join(dir, 'b'), onBadRecord: 'skip' });
    const rejects = await jsonl(files.rejects);
    expect(rejects.map((r) => [r.source, r.row, r.reason])).toEqual([['mixed', 3, 'malformed-json']]);
    expect(rejects[0].error).toMatch(/^invalid UTF-8/);
    expect(stats.totals.kept).toBe(4);
    const kept = [...(await jsonl(files.train)), ...(await jsonl(files.test))];
    expect(kept.some((r) => r.instruction.includes('\uFFFD'))).toBe(false);
    expect(kept.map((r) => r.instruction)).toContain('Describe the café in detail please');
  });

  it('a line over the reader\'s length cap is a bad line, and the lines after it are read', async () => {
    const dir = await tmp();
    const good = JSON.stringify({ instruction: 'A later instruction that is kept', output: 'Yes.' });
    // one 65 MiB line: over the reader's 64 MiB cap (held back without being kept in memory)
    const big = Buffer.concat([Buffer.from('{"instruction": "'), Buffer.alloc(65 << 20, 'x'), Buffer.from(`", "output": "x"}\n${good}\n`)]);
    await writeFile(join(dir, 'big.jsonl'), big);
    const manifest = validateCollectManifest({ sources: [{ name: 'big', uri: 'big.jsonl' }], dedupe: { near: false } }, 'test', dir);
    try {
      const { stats, files } = await collect({ manifest, outDir: join(dir, 'out'), onBadRecord: 'skip' });
      const rejects = await jsonl(files.rejects);
      expect(rejects.map((r) => [r.row, r.reason, r.error])).toEqual([[1, 'malformed-json', expect.stringMatching(/^line longer than \d+ bytes/)]]);
      expect(stats.totals.kept).toBe(1);
    } finally {
      await rm(join(dir, 'big.jsonl'));
    }
  });

  it('a truncated .gz source: error under fail, rejects + incomplete source under skip', async () => {
    const dir = await tmp();
    const rows = Array.from({ length: 500 }, (_, i) => JSON.stringify({ instruction: `Compressed instruction ${i} text`, output: `Out ${i}` }));
    const gz = gzipSync(rows.join('\n'));
    await writeFile(join(dir, 'cut.jsonl.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
    const manifest = validateCollectManifest({ sources: [{ name: 'cut', uri: 'cut.jsonl.gz' }] }, 'test', dir);
    await expect(collect({ manifest, outDir: join(dir, 'a') })).rejects.toSatisfy(
      (e: unknown) => isSelfjError(e, 'BAD_RECORD') && /Source cut, file .*cut\.jsonl\.gz: read failed after row \d+/.test((e as Error).message),
    );
    const { stats, files } = await collect({ manifest, outDir: join(dir, 'b'), onBadRecord: 'skip' });
    expect(stats.sources.cut.incomplete).toMatch(/read failed/);
    expect(stats.totals.kept).toBeGreaterThan(0);
    expect((await jsonl(files.rejects))[0].reason).toBe('source-error');
  });

  it('writes each kept record exactly as JSON.stringify would (quotes, backslashes, controls, surrogates, non-ASCII)', async () => {
    const dir = await tmp();
    const manifest = validateCollectManifest({ sources: [{ name: 'mem "q"', uri: 'mem://x' }], dedupe: { near: false }, split: { test: 0.5 } });
    const odd = ['say "hi"', 'back\\slash', 'tab\there', 'new\nline', 'bell\u0007x', 'lone \ud800 surrogate', 'pair 😀 ok', 'Ünïcödé — “x”', 'del\u007f', 'plain'];
    const recs = odd.map((t, i) => ({ id: `id "${i}"`, instruction: `Instruction ${i}: ${t} with enough words`, reference: `The reference answer for ${t}`, category: i % 2 ? 'c"1' : 'common' }));
    const { files, stats } = await collect({
      manifest,
      outDir: dir,
      resolve: async function* () {
        yield* recs;
      },
    });
    expect(stats.totals.dropped).toBe(0);
    const written = [...(await readFile(files.train, 'utf8')).split('\n'), ...(await readFile(files.test, 'utf8')).split('\n')].filter(Boolean);
    expect(written.length).toBe(odd.length);
    for (const line of written) {
      const r = JSON.parse(line) as Record<string, string>;
      expect(line).toBe(JSON.stringify({ id: r.id, instruction: r.instruction, reference: r.reference, category: r.category, source: r.source }));
      expect(recs.some((x) => x.id === r.id && x.instruction === r.instruction && x.reference === r.reference)).toBe(true);
    }
  });

  it('rejects records without id / text from a custom resolver', async () => {
    const dir = await tmp();
    const manifest = validateCollectManifest({ sources: [{ name: 'mem', uri: 'mem://x' }] });
    async function* recs() {
      yield { id: 'a', instruction: 'A valid instruction text', reference: 'ok' };
      yield { id: '', instruction: 'no id here at all', reference: 'ok' } as never;
      yield { id: 'c', instruction: 'Reference is missing here' } as never;
    }
    await expect(collect({ manifest, outDir: dir, resolve: () => recs() })).rejects.toSatisfy(
      (e: unknown) => isSelfjError(e, 'BAD_RECORD') && /Source mem, record 2: missing id/.test((e as Error).message),
    );
    const { stats } = await collect({ manifest, outDir: dir, resolve: () => recs(), onBadRecord: 'skip' });
    expect(stats.totals).toMatchObject({ kept: 1, bad: 2 });
  });

  it('categories: manifest > classifier > record; sampling per category', async () => {
    const dir = await tmp();
    const manifest = validateCollectManifest({
      sources: [{ name: 'mem', uri: 'mem://x' }],
      classifier: 'builtin:heuristic',
      dedupe: { near: false }, // the templated texts below are near duplicates of each other
      sample: { perCategory: { coding: 5, '*': 1000 } },
      split: { test: 0 },
    });
    async function* recs() {
      for (let i = 0; i < 20; i++) yield { id: `c${i}`, instruction: `Write a python function number ${i} that sorts an array`, reference: 'def f(a): return sorted(a)' };
      for (let i = 0; i < 10; i++) yield { id: `m${i}`, instruction: `Prove the theorem number ${i} about primes`, reference: 'Proof: ...by induction.' };
      for (let i = 0; i < 7; i++) yield { id: `p${i}`, instruction: `Plan a picnic for ${i} friends this weekend`, reference: 'Bring food.' };
    }
    const { stats } = await collect({ manifest, outDir: dir, resolve: () => recs() });
    expect(stats.categories).toEqual({
      coding: { kept: 20, sampledOut: 15, train: 5, test: 0 },
      academic: { kept: 10, sampledOut: 0, train: 10, test: 0 },
      common: { kept: 7, sampledOut: 0, train: 7, test: 0 },
    });
    const custom = await collect({ manifest: { ...manifest, sample: undefined }, outDir: dir, resolve: () => recs(), classifier: (r) => (r.id.startsWith('p') ? 'fun' : undefined) });
    expect(custom.stats.categories.fun.kept).toBe(7);
    expect(custom.stats.categories.common.kept).toBe(30);
  });

  it('reads the real fixtures (alpaca layout, self-instruct nested references)', async () => {
    const alpaca = join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl');
    if (!existsSync(alpaca)) throw new Error(`Fixtures missing at ${FIXTURES} (SELFJ_TEST_FIXTURES)`);
    const manifest: CollectManifest = validateCollectManifest({
      sources: [
        { name: 'seed', uri: join(FIXTURES, 'self_instruct_seed_tasks.dev.jsonl'), mapping: { id: 'id', reference: 'instances.0.output' }, priority: 1 },
        { name: 'alpaca', uri: alpaca, mapping: { id: 'idx' }, category: 'common' },
      ],
    });
    const dir = await tmp();
    const { stats, files } = await collect({ manifest, outDir: dir });
    expect(stats.sources.seed.read).toBe(170);
    expect(stats.sources.alpaca.read).toBe(995);
    expect(stats.totals.kept).toBeGreaterThan(1000);
    const all = [...(await jsonl(files.train)), ...(await jsonl(files.test))];
    const seed0 = all.find((r) => r.id === 'seed:seed_task_0');
    expect(seed0?.reference).toMatch(/oatmeal banana protein shake/);
  });
});

describe('shards and merge', () => {
  it('shards are disjoint and stable; merge equals a single run (exact dedupe)', async () => {
    const dir = await tmp();
    const manifest = await setup(dir);
    const exactOnly = { ...manifest, dedupe: { near: false as const } };
    const single = await collect({ manifest: exactOnly, outDir: join(dir, 'single') });
    const seen = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const r = await collect({ manifest: exactOnly, outDir: join(dir, `s${i}`), shard: { index: i, count: 3 } });
      expect(Object.keys(r.files).sort()).toEqual(['part', 'stats']);
      const again = await collect({ manifest: exactOnly, outDir: join(dir, `t${i}`), shard: { index: i, count: 3 } });
      expect(await readFile(again.files.part, 'utf8')).toBe(await readFile(r.files.part, 'utf8'));
      for (const rec of await jsonl(r.files.part)) {
        expect(seen.has(rec.id)).toBe(false);
        seen.set(rec.id, i);
      }
    }
    // 241 = 240 kept + the gold-3 copy that only meets its original across shards (if they differ).
    expect(seen.size).toBeGreaterThanOrEqual(240);
    const merged = await mergeShards({ inputs: [0, 1, 2].map((i) => join(dir, `s${i}`)), outDir: join(dir, 'merged') });
    expect(await readFile(merged.files.train, 'utf8')).toBe(await readFile(single.files.train, 'utf8'));
    expect(await readFile(merged.files.test, 'utf8')).toBe(await readFile(single.files.test, 'utf8'));
    expect(merged.stats.totals).toEqual(single.stats.totals);
    expect(merged.stats.sources.bulk.dropped).toEqual(single.stats.sources.bulk.dropped);
  });

  it('each bad record is reported by exactly one shard', async () => {
    const dir = await tmp();
    const manifest = await setup(dir, ['{"idx": 5000, "broken', '{"idx": 5001, "also broken', '{"idx": 5002, "still broken']);
    let bad = 0;
    for (let i = 0; i < 3; i++) {
      const r = await collect({ manifest, outDir: join(dir, 'shards'), shard: { index: i, count: 3 }, onBadRecord: 'skip' });
      bad += r.stats.totals.bad;
    }
    expect(bad).toBe(3);
    const merged = await mergeShards({ inputs: [join(dir, 'shards')], outDir: join(dir, 'merged') });
    expect(merged.stats.totals.bad).toBe(3);
  });

  it('merge with near dedupe stays close to a single run; bad inputs are typed errors', async () => {
    const dir = await tmp();
    const manifest = await setup(dir);
    const single = await collect({ manifest, outDir: join(dir, 'single') });
    for (let i = 0; i < 2; i++) await collect({ manifest, outDir: join(dir, 'shards'), shard: { index: i, count: 2 } });
    expect((await readdir(join(dir, 'shards'))).sort()).toEqual(['part-0-of-2.jsonl', 'part-1-of-2.jsonl', 'stats-0-of-2.json', 'stats-1-of-2.json']);
    const merged = await mergeShards({ inputs: [join(dir, 'shards')], outDir: join(dir, 'merged') });
    expect(Math.abs(merged.stats.totals.kept - single.stats.totals.kept)).toBeLessThanOrEqual(2);
    await expect(mergeShards({ inputs: [join(dir, 'nope')], outDir: dir })).rejects.toSatisfy((e: unknown) => isSelfjError(e, 'NOT_FOUND'));
    await expect(mergeShards({ inputs: [join(dir, 'single')], outDir: dir })).rejects.toSatisfy((e: unknown) => isSelfjError(e, 'NOT_FOUND'));
  });
});
