/**
 * Real stages, sharded: label (z-normalised over the whole data set, with splits) and similarity (an embedder)
 * run as 3 shards (their own `shard` option, as `--shard i/3` passes it) and merged give the artifact of one
 * process, byte for byte.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COMBINE, EmbedderSimilarity, runLabel, runSimilarity } from '../src/stages/index.js';
import { mergeStageShards, type StageShard } from '../src/infra/index.js';
import { FakeEmbedder } from './engine-fake.js';


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

/** Runs every shard of the split, one after the other (each writes only its own shard directory). */
async function sharded(run: (shard: StageShard) => Promise<{ dir: string; manifest: { shard?: StageShard } }>, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    const r = await run({ index, count });
    expect(r.dir).toBe(join(dirname(r.dir), `shard-${index}-of-${count}`));
    expect(r.manifest.shard).toEqual({ index, count });
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
    await sharded((shard) => runLabel({ dir: join(d, 'label'), input, config, splits, seed: 3, onBadRecord: 'skip', shard }), 3);
    await mergeStageShards({ inputs: [join(d, 'label')] });
    same(join(d, 'label'), single.dir);
  });

  it('similarity with an embedder: merge = single run', async () => {
    const d = tmp();
    const input = scored(d, 120);
    const sim = new EmbedderSimilarity(new FakeEmbedder());
    const single = await runSimilarity({ dir: join(d, 'single'), input, similarity: sim, batchSize: 16, onBadRecord: 'skip' });
    await sharded((shard) => runSimilarity({ dir: join(d, 'sim'), input, similarity: sim, batchSize: 16, onBadRecord: 'skip', shard }), 3);
    const m = await mergeStageShards({ inputs: [0, 1, 2].map((i) => join(d, 'sim', `shard-${i}-of-3`)), out: join(d, 'merged') });
    expect(m.manifest.counts).toEqual(single.manifest.counts);
    same(join(d, 'merged'), single.dir);
  });
});
