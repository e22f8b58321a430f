import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, TINY_MODEL, VECTORS, countLines, haveAssets, jsonl, killWhen, run } from './helpers.js';

const FILES = ['sample/records.jsonl', 'self-eval/records.jsonl', 'similarity/records.jsonl', 'label/records.jsonl', 'train/features/records.jsonl', 'train/weights.bin', 'judge/records.jsonl'];

function writeConfig(dir: string, out: string): string {
  const f = join(dir, `${out.split('/').pop()}.json`);
  writeFileSync(
    f,
    JSON.stringify({
      out,
      seed: 3,
      onBadRecord: 'skip',
      data: { source: join(REPO, 'packages/cli/data/demo-instructions.jsonl'), limit: 16 },
      backend: { id: `llama-cpp:${TINY_MODEL}`, batchSize: 4, options: { threads: 1 } },
      sample: { samples: 2, maxTokens: 24 },
      similarity: { embedder: `static:${VECTORS}` },
      train: { epochs: 10, batchSize: 8 },
      calibrate: { targetRisk: 0.5, delta: 0.2, badBelow: 5 },
      // the tiny model is not instruction-tuned (digit mass ~1e-4): no floor, so that every stage has records
      scoring: { minDigitMass: 0 },
    }),
  );
  return f;
}

describe.skipIf(!haveAssets)('kill -9 and resume (real CLI, real tiny model)', () => {
  it('killed in sample, self-eval, train features and judge, then resumed: nothing lost, nothing duplicated, same artifacts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-kill-'));
    const ref = join(dir, 'ref');
    const refRun = await run(['run', '--config', writeConfig(dir, ref), '--until', 'judge', '--quiet']);
    expect(refRun.code, refRun.stderr).toBe(0);

    const out = join(dir, 'killed');
    const cfg = writeConfig(dir, out);
    const args = ['run', '--config', cfg, '--until', 'judge', '--quiet'];
    const points: [string, number][] = [
      ['sample/records.jsonl', 5],
      ['sample/records.jsonl', 19],
      ['self-eval/records.jsonl', 4],
      ['train/features/records.jsonl', 4],
      ['judge/records.jsonl', 8],
    ];
    let kills = 0;
    for (const [file, n] of points) {
      if (await killWhen(args, () => countLines(join(out, file)) >= n, 5)) kills++;
      // never a duplicate key, whatever the moment of the kill
      for (const f of FILES.filter((x) => x.endsWith('.jsonl'))) {
        let keys: string[] = [];
        try {
          keys = readFileSync(join(out, f), 'utf8').split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l).key);
        } catch {
          continue;
        }
        expect(new Set(keys).size, f).toBe(keys.length);
      }
    }
    expect(kills).toBeGreaterThanOrEqual(4);
    const last = await run(args);
    expect(last.code, last.stderr).toBe(0);
    for (const f of FILES) expect(readFileSync(join(out, f)).equals(readFileSync(join(ref, f))), f).toBe(true);
    expect(jsonl(join(out, 'judge/records.jsonl'))).toHaveLength(32);
  }, 600_000);
});
