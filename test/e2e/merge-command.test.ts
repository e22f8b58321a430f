import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadRecord, readJsonl, runStage, type StageShard } from '@selfj/core/infra';
import { BIN, run } from './helpers.js';

function square(dir: string, input: string, shard?: StageShard) {
  return runStage<number, { y: number }>({
    stage: 'square',
    dir,
    manifest: { configHash: 'h1', config: {} },
    input: readJsonl(input),
    parse(l) {
      if (typeof l.value!.x !== 'number') throw new BadRecord('x must be a number');
      return { key: String(l.value!.id), value: l.value!.x as number };
    },
    process: async (b) => b.map((x) => ({ y: x * x })),
    onBadRecord: 'skip',
    shard,
  });
}

describe.skipIf(!existsSync(BIN))('selfj merge (real CLI)', () => {
  it('joins the shard directories into the single-process artifact; says which shard is missing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-merge-cli-'));
    const inp = join(d, 'in.jsonl');
    writeFileSync(inp, Array.from({ length: 50 }, (_, i) => (i % 9 === 2 ? '{"id":"b","x":"?"}' : JSON.stringify({ id: `r${i}`, x: i }))).join('\n') + '\n');
    const single = await square(join(d, 'single'), inp);
    const out = join(d, 'sq');
    await square(out, inp, { index: 0, count: 3 });
    await square(out, inp, { index: 2, count: 3 });
    const missing = await run(['merge', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('shard 1/3: missing');
    await square(out, inp, { index: 1, count: 3 });
    const ok = await run(['merge', out, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'done', stage: 'square', counts: single.manifest.counts, dir: out });
    for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) expect(readFileSync(join(out, f)).equals(readFileSync(join(single.dir, f))), f).toBe(true);
    const again = await run(['merge', out]);
    expect(again.stdout).toContain('already merged');
  }, 60_000);
});
