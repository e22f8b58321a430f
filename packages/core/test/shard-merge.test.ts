import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRecord, RECORDS_ORDER_FILE, mergeStageShards, readJsonl, readManifest, runStage, shardOfKey, type JsonlLine, type StageShard } from '../src/infra/index.js';
import { inputIdentity } from '../src/stages/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-shard-'));
const ARTIFACT = ['records.jsonl', 'rejects.jsonl', 'manifest.json'];

/** Byte-compares the three artifact files of two stage directories. */
export function expectSameArtifact(a: string, b: string): void {
  for (const f of ARTIFACT) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
}

/** Input with good records, a duplicate key, a record that fails in process, unparsable and invalid lines. */
function input(dir: string, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ id: `r${i}`, x: i % 17 === 5 ? -i : i }));
    if (i % 23 === 7) lines.push('{"broken json');
    if (i % 31 === 3) lines.push(JSON.stringify({ id: `r${i}`, x: 1 })); // duplicate key
    if (i % 29 === 11) lines.push(JSON.stringify({ id: `bad${i}`, x: 'nope' }));
  }
  const f = join(dir, 'in.jsonl');
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function square(dir: string, inp: string, o: { shard?: StageShard; signal?: AbortSignal; abortAfter?: { n: number; ac: AbortController } } = {}) {
  let calls = 0;
  return runStage<number, { y: number }>({
    stage: 'square',
    dir,
    manifest: { configHash: 'h1', config: { p: 2 }, input: { file: inp, configHash: 'x' } },
    input: readJsonl(inp),
    parse(l: JsonlLine) {
      const v = l.value!;
      if (typeof v.x !== 'number') throw new BadRecord('x must be a number');
      return { key: String(v.id), value: v.x };
    },
    async process(batch) {
      if (o.abortAfter && ++calls === o.abortAfter.n) o.abortAfter.ac.abort();
      return batch.map((x) => (x < 0 ? new BadRecord('negative x') : { y: x * x }));
    },
    batchSize: 4,
    concurrency: 2,
    onBadRecord: 'skip',
    shard: o.shard,
    signal: o.signal,
  });
}

describe('sharded stage + mergeStageShards', () => {
  it('3 shards merged are byte-identical to one process: records, rejects (bad lines, duplicates, failed records), manifest', async () => {
    const d = tmp();
    const inp = input(d, 300);
    const single = await square(join(d, 'single'), inp);
    expect(single.rejected).toBeGreaterThan(20);
    const out = join(d, 'sharded');
    const parts = [];
    for (let i = 0; i < 3; i++) parts.push(await square(out, inp, { shard: { index: i, count: 3 } }));
    expect(parts.map((p) => p.dir)).toEqual([0, 1, 2].map((i) => join(out, `shard-${i}-of-3`)));
    // each shard has a fair part of the records, and records no other shard has
    for (const p of parts) expect(p.manifest.counts.records).toBeGreaterThan(60);
    expect(parts.reduce((s, p) => s + p.manifest.counts.records, 0)).toBe(single.manifest.counts.records);
    expect(readManifest(parts[1].dir)).toMatchObject({ shard: { index: 1, count: 3 }, complete: true, configHash: 'h1' });

    const m = await mergeStageShards({ inputs: [out] });
    expect(m.dir).toBe(out);
    expectSameArtifact(out, single.dir);
    // merging again is a no-op; a shard run after the merge skips itself
    expect((await mergeStageShards({ inputs: [out] })).status).toBe('skipped');
    expect((await square(out, inp, { shard: { index: 2, count: 3 } })).status).toBe('skipped');
  });

  it('a shard interrupted (abort, then a torn line as after kill -9) resumes; the merge is still byte-identical', async () => {
    const d = tmp();
    const inp = input(d, 200);
    const single = await square(join(d, 'single'), inp);
    const out = join(d, 'sharded');
    const ac = new AbortController();
    await expect(square(out, inp, { shard: { index: 1, count: 3 }, signal: ac.signal, abortAfter: { n: 5, ac } })).rejects.toMatchObject({ code: 'ABORTED' });
    const s1 = join(out, 'shard-1-of-3');
    expect(readManifest(s1)?.complete).toBe(false);
    appendFileSync(join(s1, 'records.jsonl'), '{"key":"r9","y":');
    appendFileSync(join(s1, RECORDS_ORDER_FILE), '12'); // order written first: may be torn too
    await expect(mergeStageShards({ inputs: [out] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/shard 0\/3: missing[\s\S]*shard 1\/3 .* not finished/) });
    for (const i of [0, 2, 1]) await square(out, inp, { shard: { index: i, count: 3 } });
    await mergeStageShards({ inputs: [0, 1, 2].map((i) => join(out, `shard-${i}-of-3`)), out: join(d, 'merged') });
    expectSameArtifact(join(d, 'merged'), single.dir);
  });

  it('recovers an order file that ran ahead of its records, and records that ran ahead of their order (OS crash)', async () => {
    const d = tmp();
    const inp = input(d, 120);
    const single = await square(join(d, 'single'), inp);
    const out = join(d, 'sharded');
    for (let i = 0; i < 2; i++) await square(out, inp, { shard: { index: i, count: 2 } });
    const s0 = join(out, 'shard-0-of-2');
    const recs = readFileSync(join(s0, 'records.jsonl'), 'utf8').split('\n').filter(Boolean);
    const order = readFileSync(join(s0, RECORDS_ORDER_FILE), 'utf8').split('\n').filter(Boolean);
    // shard 0: drop the last 3 records but keep their order lines, and mark it partial
    writeFileSync(join(s0, 'records.jsonl'), recs.slice(0, -3).join('\n') + '\n');
    const m0 = JSON.parse(readFileSync(join(s0, 'manifest.json'), 'utf8'));
    writeFileSync(join(s0, 'manifest.json'), JSON.stringify({ ...m0, complete: false }));
    await square(out, inp, { shard: { index: 0, count: 2 } });
    expect(readFileSync(join(s0, RECORDS_ORDER_FILE), 'utf8').split('\n').filter(Boolean)).toEqual(order);
    // shard 1: its order file lost its last 4 lines (the OS wrote the records but not the order)
    const s1 = join(out, 'shard-1-of-2');
    const o1 = readFileSync(join(s1, RECORDS_ORDER_FILE), 'utf8').split('\n').filter(Boolean);
    writeFileSync(join(s1, RECORDS_ORDER_FILE), o1.slice(0, -4).join('\n') + '\n');
    const m1 = JSON.parse(readFileSync(join(s1, 'manifest.json'), 'utf8'));
    writeFileSync(join(s1, 'manifest.json'), JSON.stringify({ ...m1, complete: false }));
    const r1 = await square(out, inp, { shard: { index: 1, count: 2 } });
    expect(r1.written).toBe(4);
    await mergeStageShards({ inputs: [out] });
    expectSameArtifact(out, single.dir);
  });

  it('refuses to merge mixed runs, doubled shards, or into a shard; refuses a shard as a stage input', async () => {
    const d = tmp();
    const inp = input(d, 60);
    const out = join(d, 'sharded');
    for (let i = 0; i < 2; i++) await square(out, inp, { shard: { index: i, count: 2 } });
    await square(join(d, 'other'), inp, { shard: { index: 0, count: 3 } });
    await expect(mergeStageShards({ inputs: [join(out, 'shard-0-of-2'), join(d, 'other', 'shard-0-of-3')], out: join(d, 'm') })).rejects.toThrow(/different splits/);
    await expect(mergeStageShards({ inputs: [join(out, 'shard-0-of-2'), join(out, 'shard-0-of-2'), join(out, 'shard-1-of-2')] })).resolves.toMatchObject({ status: 'done' }); // same dir twice is one
    await expect(mergeStageShards({ inputs: [out], out: join(out, 'shard-1-of-2') })).rejects.toThrow(/is one of the shards/);
    await expect(inputIdentity(join(out, 'shard-1-of-2', 'records.jsonl'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(`selfj merge ${out}`) });
    await expect(mergeStageShards({ inputs: [join(d, 'nothing-here')] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'records.jsonl', 'rejects.jsonl', 'shard-0-of-2', 'shard-1-of-2']);
  });

  it('key -> shard is a pure, stable function (pinned values) that spreads keys evenly', () => {
    // Pinned: shard files written by one version must merge with shards written by the next.
    expect(['q1#0', 'q1#1', 'demo-001#0', '日本#3', ''].map((k) => shardOfKey(k, 1000))).toEqual(PINNED);
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 80_000; i++) counts[shardOfKey(`q${i}#${i % 4}`, 8)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400); // ~4 sigma
  });
});

// Also computed by an independent Python implementation of the documented hash (docs/scale-out.md).
const PINNED = [989, 110, 825, 679, 923];
