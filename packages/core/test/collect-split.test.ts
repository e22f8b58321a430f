import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyStats, parseShard, shardOf, SplitPlanner, SplitSink } from '../src/collect/index.js';

function plan(ids: string[], cats: string[], test: number, limit?: (c: string) => number | undefined, seed?: string) {
  const p = new SplitPlanner(seed);
  ids.forEach((id, i) => p.add(id, cats[i]));
  return p.plan(test, limit);
}

const ids = Array.from({ length: 3000 }, (_, i) => `rec-${i}`);
const cats = ids.map((_, i) => (i % 10 < 6 ? 'common' : i % 10 < 9 ? 'coding' : 'academic'));

describe('split', () => {
  it('is stratified: each category gets round(test * n) test records', () => {
    const { assignments, perCategory } = plan(ids, cats, 0.1);
    const counts: Record<string, [number, number]> = {};
    assignments.forEach((a, i) => {
      const c = (counts[cats[i]] ??= [0, 0]);
      c[a === 2 ? 1 : 0]++;
    });
    expect(counts).toEqual({ common: [1620, 180], coding: [810, 90], academic: [270, 30] });
    expect(perCategory.get('academic')).toEqual({ kept: 300, sampledOut: 0, train: 270, test: 30 });
  });

  it('depends only on ids: same result in any order, different with another seed', () => {
    const a = plan(ids, cats, 0.2);
    const order = ids.map((_, i) => i).reverse();
    const b = plan(order.map((i) => ids[i]), order.map((i) => cats[i]), 0.2);
    const testA = new Set(ids.filter((_, i) => a.assignments[i] === 2));
    const testB = new Set(order.map((i) => ids[i]).filter((_, k) => b.assignments[k] === 2));
    expect(testB).toEqual(testA);
    const c = plan(ids, cats, 0.2, undefined, 'other-seed');
    const testC = new Set(ids.filter((_, i) => c.assignments[i] === 2));
    expect(testC).not.toEqual(testA);
    expect(testC.size).toBe(testA.size);
  });

  it('adding records does not move existing ones much (hash thresholds, not positions)', () => {
    const a = plan(ids, cats, 0.1);
    const more = [...ids, ...Array.from({ length: 300 }, (_, i) => `new-${i}`)];
    const b = plan(more, [...cats, ...Array(300).fill('common')], 0.1);
    let moved = 0;
    ids.forEach((_, i) => (moved += a.assignments[i] !== b.assignments[i] ? 1 : 0));
    expect(moved).toBeLessThan(60);
  });

  it('samples N per category deterministically (bottom-N by hash), then splits the sample', () => {
    const limit = (c: string) => (c === 'common' ? 500 : c === 'coding' ? 2000 : undefined);
    const a = plan(ids, cats, 0.1, limit);
    const b = plan(ids, cats, 0.1, limit);
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(a.perCategory.get('common')).toEqual({ kept: 1800, sampledOut: 1300, train: 450, test: 50 });
    expect(a.perCategory.get('coding')).toEqual({ kept: 900, sampledOut: 0, train: 810, test: 90 });
    // A smaller sample is a subset of a larger one (a reservoir by hash, not a random draw).
    const small = plan(ids, cats, 0, () => 100);
    const inSmall = ids.filter((_, i) => small.assignments[i] !== 0);
    expect(inSmall.every((id) => a.assignments[ids.indexOf(id)] !== 0 || cats[ids.indexOf(id)] !== 'common')).toBe(true);
    expect(plan(ids, cats, 0.5, () => 0).perCategory.get('common')).toEqual({ kept: 1800, sampledOut: 1800, train: 0, test: 0 });
  });
});

describe('SplitSink', () => {
  async function sinkRun(idList: string[], cats: (i: number) => string, sample?: number) {
    const n = idList.length;
    const dir = await mkdtemp(join(tmpdir(), 'selfj-sink-'));
    const sink = new SplitSink(dir, { test: 0.1 }, sample ? { perCategory: sample } : undefined);
    for (let i = 0; i < n; i++) await sink.write(idList[i], cats(i), JSON.stringify({ id: idList[i] }));
    const stats = emptyStats();
    const files = await sink.finish(stats);
    const ids = async (p: string) => (await readFile(p, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l).id as string);
    const expected = plan(idList, idList.map((_, i) => cats(i)), 0.1, sample ? () => sample : undefined);
    const expTest = new Set<string>();
    const expTrain = new Set<string>();
    expected.assignments.forEach((a, i) => (a === 2 ? expTest : a === 1 ? expTrain : null)?.add(idList[i]));
    return { sink, stats, test: await ids(files.test), train: await ids(files.train), expTest, expTrain, left: await readdir(dir) };
  }
  const range = (n: number) => Array.from({ length: n }, (_, i) => `id-${i}`);

  it('large categories take the fast path and give exactly the planned split', async () => {
    const r = await sinkRun(range(5000), (i) => (i % 3 === 0 ? 'a' : 'b'));
    expect(r.sink.routedInFull).toBe(false);
    expect(new Set(r.test)).toEqual(r.expTest);
    expect(new Set(r.train)).toEqual(r.expTrain);
    expect(r.test.length + r.train.length).toBe(5000);
    expect(r.stats.totals).toMatchObject({ train: 4500, test: 500 });
    expect(r.left.sort()).toEqual(['test.jsonl', 'train.jsonl']);
  });

  it('a tiny category whose test record is above the provisional cut routes everything, same result', async () => {
    // 5 "tiny" ids whose split hashes are all high: round(0.1 * 5) = 1 of them is test, and it sits in the train file.
    const probe = new SplitPlanner();
    const high = range(200).map((id) => `t-${id}`).filter((id) => probe.splitHashAt(probe.add(id, 'x')) > 0.6 * 2 ** 32).slice(0, 5);
    const idList = [...range(1000), ...high];
    const r = await sinkRun(idList, (i) => (i < 1000 ? 'big' : 'tiny'));
    expect(r.sink.routedInFull).toBe(true);
    expect(new Set(r.test)).toEqual(r.expTest);
    expect(new Set(r.train)).toEqual(r.expTrain);
    expect(r.test.filter((id) => id.startsWith('t-'))).toHaveLength(1);
  });

  it('sampling: every record goes through the maybe file; the result is the planned sample and split', async () => {
    const r = await sinkRun(range(3000), (i) => (i % 2 ? 'x' : 'y'), 500);
    expect(new Set(r.test)).toEqual(r.expTest);
    expect(new Set(r.train)).toEqual(r.expTrain);
    expect(r.test.length + r.train.length).toBe(1000);
  });
});

describe('shards', () => {
  it('parses i/N and rejects bad specs', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['8/8', '1/0', 'a/b', '1', '-1/4']) expect(() => parseShard(bad)).toThrow(/Bad shard/);
  });

  it('assigns each id to exactly one stable shard, roughly evenly', () => {
    const counts = new Array(4).fill(0);
    for (const id of ids) {
      const s = shardOf(id, 4);
      expect(shardOf(id, 4)).toBe(s);
      counts[s]++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(600);
    expect(shardOf('rec-1', 4)).toBe(shardOf('rec-1', 4)); // stable
  });
});
