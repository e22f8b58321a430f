import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveAssets, jsonl, run } from './helpers.js';

describe.skipIf(!haveAssets)('selfj demo on the real tiny model', () => {
  it('runs the whole pipeline, ends with a summary, and a rerun skips every stage', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'selfj-demo-')), 'demo');
    const t0 = Date.now();
    const r = await run(['demo', '--out', out, '--limit', '30', '--samples', '2', '--max-tokens', '32']);
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stage\s+status\s+records/);
    expect(r.stdout).toMatch(/Pearson/);
    expect(r.stdout).toMatch(/tau/);
    expect(seconds).toBeLessThan(180);
    for (const s of ['sample', 'self-eval', 'similarity', 'label', 'judge', 'select']) {
      const m = JSON.parse(readFileSync(join(out, s, 'manifest.json'), 'utf8'));
      expect(m.complete, s).toBe(true);
      expect(m.counts.records + m.counts.rejected, s).toBe(60);
    }
    const judge = JSON.parse(readFileSync(join(out, 'train', 'manifest.json'), 'utf8'));
    expect(judge).toMatchObject({ format: 'selfj-judge', featureDim: 64, bins: 10 });
    expect(judge.baseModel.fileHash).toMatch(/^fp1:/);
    const scored = jsonl(join(out, 'judge', 'records.jsonl'));
    for (const x of scored) {
      expect(x.mode).toBe('trained');
      expect(x.score as number).toBeGreaterThanOrEqual(0);
      expect(x.score as number).toBeLessThanOrEqual(9);
      expect((x.probs as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    expect(existsSync(join(out, 'eval', 'report.json'))).toBe(true);
    expect(existsSync(join(out, 'calibrate', 'calibration.json'))).toBe(true);

    const again = await run(['demo', '--out', out, '--limit', '30', '--samples', '2', '--max-tokens', '32', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout);
    const modelStages = summary.stages.filter((s: { stage: string }) => ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge'].includes(s.stage));
    expect(modelStages.map((s: { status: string }) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
  }, 400_000);
});
