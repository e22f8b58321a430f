/**
 * Real stages, sharded: label (z-normalised over the whole data set, with splits) and similarity (an embedder)
 * run as 3 shards and merged give the artifact of one process, byte for byte.
 * Until the stages forward StageCommon.shard to the runner, the shard is handed to the runner here (the stages'
 * parse/process code, manifests and the runner are the real ones).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_COMBINE, EmbedderSimilarity, mergeStageShards, runLabel, runSimilarity, type StageShard } from '../src/index.js';
import { FakeEmbedder } from './engine-fake.js';

const state = vi.hoisted(() => ({ shard: undefined as StageShard | undefined }));
vi.mock('../src/infra/stage-runner.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../src/infra/stage-runner.js')>();
  return { ...orig, runStage: (o: Parameters<typeof orig.runStage>[0]) => orig.runStage({ ...o, shard: o.shard ?? state.shard }) };
});

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-shard-stage-'));
const same = (a: string, b: string) => {
  for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
};

/** Similarity-stage output: z1, z2 per sample, a few bad lines of each kind. */
function scored(dir: string, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < 2; s++) {
      const z1 = ((i * 7 + s * 3) % 90) / 10;
      const z2 = Math.sin(i + s) * 0.9;
      lines.push(JSON.stringify({ key: `q${i}#${s}`, id: `q${i}`, sample: s, z1, z2, response: `answer ${i} ${s}`, reference: `reference ${i}` }));
    }
    if (i % 37 === 4) lines.push(JSON.stringify({ key: `q${i}#9`, id: `q${i}`, z1: 12, z2: 0 })); // z1 out of range
    if (i % 41 === 9) lines.push('{"key": "torn');
  }
  const f = join(dir, 'scored.jsonl');
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

async function sharded<T>(run: () => Promise<T>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    state.shard = { index: i, count };
    try {
      await run();
    } finally {
      state.shard = undefined;
    }
  }
}

describe('real stages sharded over 3 processes, then merged', () => {
  it('label with z-normalisation over the whole set and splits: every shard computes the same global stats; merge = single run', async () => {
    const d = tmp();
    const input = scored(d, 150);
    const config = { ...DEFAULT_COMBINE, normalize: true };
    const splits = { train: 0.6, calibrate: 0.2, test: 0.2 };
    const single = await runLabel({ dir: join(d, 'single'), input, config, splits, seed: 3, onBadRecord: 'skip' });
    expect(single.rejected).toBeGreaterThan(5);
    expect((single.manifest.extra as { stats?: unknown }).stats).toBeDefined();
    await sharded(() => runLabel({ dir: join(d, 'label'), input, config, splits, seed: 3, onBadRecord: 'skip' }), 3);
    await mergeStageShards({ inputs: [join(d, 'label')] });
    same(join(d, 'label'), single.dir);
  });

  it('similarity with an embedder: merge = single run', async () => {
    const d = tmp();
    const input = scored(d, 120);
    const sim = new EmbedderSimilarity(new FakeEmbedder());
    const single = await runSimilarity({ dir: join(d, 'single'), input, similarity: sim, batchSize: 16, onBadRecord: 'skip' });
    await sharded(() => runSimilarity({ dir: join(d, 'sim'), input, similarity: sim, batchSize: 16, onBadRecord: 'skip' }), 3);
    const m = await mergeStageShards({ inputs: [0, 1, 2].map((i) => join(d, 'sim', `shard-${i}-of-3`)), out: join(d, 'merged') });
    expect(m.manifest.counts).toEqual(single.manifest.counts);
    same(join(d, 'merged'), single.dir);
  });
});
