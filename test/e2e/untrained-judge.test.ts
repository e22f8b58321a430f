import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINS, DEFAULT_TEMPLATES, viewTemplateHashes } from '@selfj/core/stages';
import { fileFingerprint } from '@selfj/core/infra';
import { saveJudge } from '@selfj/core/judge';
import { TINY_MODEL, haveAssets, jsonl, run } from './helpers.js';

describe.skipIf(!haveAssets)('untrained judge on the real tiny model', () => {
  it('a judge with W = 0 scores exactly like the zero-shot self-evaluation (float32 rounding aside)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-w0-'));
    const items = join(dir, 'items.jsonl');
    writeFileSync(
      items,
      ['Name a fruit.|An apple.', 'What is 2 + 2?|It is 4.', 'Say hello.|Once upon a time there was a cat.', 'Write a haiku.|Snow falls on the hill'].map((s, i) => {
        const [instruction, response] = s.split('|');
        return JSON.stringify({ id: `t${i}`, instruction, response });
      }).join('\n'),
    );
    const dim = 64; // stories260K hidden size
    saveJudge(
      join(dir, 'judge'),
      { configHash: 'w0', baseModel: { id: `llama-cpp:${TINY_MODEL}`, fileHash: await fileFingerprint(TINY_MODEL) }, templates: viewTemplateHashes(DEFAULT_TEMPLATES, false), training: {}, metrics: {} },
      { w: new Float32Array(BINS * dim), bias: new Float32Array(BINS), mean: new Float32Array(dim), std: new Float32Array(dim).fill(1), dim, bins: BINS },
    );
    // the tiny model is not instruction-tuned (digit mass ~1e-4): no digit-mass floor for this plumbing check
    const zero = await run(['judge', '--input', items, '--out', join(dir, 'zero'), '--model', TINY_MODEL, '--min-digit-mass', '0']);
    expect(zero.code, zero.stderr).toBe(0);
    const trained = await run(['judge', '--input', items, '--out', join(dir, 'w0'), '--model', TINY_MODEL, '--judge', join(dir, 'judge'), '--min-digit-mass', '0']);
    expect(trained.code, trained.stderr).toBe(0);
    const a = jsonl(join(dir, 'zero', 'records.jsonl'));
    const b = jsonl(join(dir, 'w0', 'records.jsonl'));
    expect(b.map((x) => x.mode)).toEqual(['trained', 'trained', 'trained', 'trained']);
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs((b[i].score as number) - (a[i].score as number))).toBeLessThan(1e-5);
      (b[i].probs as number[]).forEach((p, k) => expect(Math.abs(p - (a[i].probs as number[])[k])).toBeLessThan(1e-6));
    }
  }, 120_000);
});
