import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

describe('selfj rank', () => {
  it('ranks models by mean judge score and reports agreement with a reference ranking', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-rank-'));
    const input = join(dir, 'judged.jsonl');
    // means: m1 judge (2+4)/2 = 3, ref 5; m2 judge 7, ref 8; m3 judge 5, ref 2 -> judge order m2, m3, m1; ref order m2, m1, m3
    const rows = [
      { model: 'm1', score: 2, gpt4: 4 }, { model: 'm1', score: 4, gpt4: 6 },
      { model: 'm2', score: 7, gpt4: 8 },
      { model: 'm3', score: 5, gpt4: 2 },
    ];
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'rank.json');
    expect(await main(['rank', '--input', input, '--reference-field', 'gpt4', '--out', out, '--quiet'])).toBe(0);
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.models.map((m: { model: string }) => m.model)).toEqual(['m2', 'm3', 'm1']);
    expect(r.models[2]).toEqual({ model: 'm1', items: 2, meanScore: 3, meanReference: 5 });
    // judge ranks (m1, m2, m3) = (3, 1, 2), reference ranks = (2, 1, 3): rho = 1 - 6 * (1 + 0 + 1) / (3 * 8) = 0.5
    expect(r.agreement.spearman).toBeCloseTo(0.5, 12);
    expect(r.agreement.kendallTauB).toBeCloseTo(1 / 3, 12);
  });
});
