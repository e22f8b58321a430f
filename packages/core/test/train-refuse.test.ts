import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type SelfjError } from '../src/index.js';
import { DEFAULT_TEMPLATES } from '../src/stages/index.js';
import { runTrain } from '../src/judge/index.js';
import { FakeBackend } from './engine-fake.js';

/** Labelled records as the label stage writes them (instruction, reference, response, z). */
function labelled(dir: string, n = 24): string {
  const f = join(dir, 'label.jsonl');
  const probs = (i: number) => Array.from({ length: 10 }, (_, k) => (k === i % 10 ? 0.55 : 0.05));
  const view = (i: number) => ({ probs: probs(i), expected: i % 10, digitMass: 0.5, coverage: 'full' });
  const rows = Array.from({ length: n }, (_, i) => ({
    key: `q${i}#0`,
    id: `q${i}`,
    instruction: `task ${i}`,
    reference: `answer ${i}`,
    response: `answer ${i % 5}`,
    withReference: view(i),
    referenceFree: view(i + 3),
    z: (i * 7) % 10,
  }));
  writeFileSync(f, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return f;
}

describe('train never replaces a judge made with other settings unless asked', () => {
  it('refuses with what differs, keeps the judge, and trains over it with force or redo', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-train-refuse-'));
    const input = labelled(dir);
    const base = { dir: join(dir, 'judge'), input, backend: new FakeBackend(6), templates: DEFAULT_TEMPLATES, seed: 1 };
    const config = { ...DEFAULT_CONFIG.train, epochs: 2 };
    const first = await runTrain({ ...base, config });
    expect(first.status).toBe('done');
    const weights = readFileSync(join(dir, 'judge', 'weights.bin'));
    const err = (await runTrain({ ...base, config: { ...config, epochs: 3 } }).catch((e) => e)) as SelfjError;
    expect(err.code).toBe('ARTIFACT_MISMATCH');
    expect(err.message).toMatch(/holds a judge trained with other settings: train settings differ/);
    expect(readFileSync(join(dir, 'judge', 'weights.bin')).equals(weights)).toBe(true);
    expect((await runTrain({ ...base, config: { ...config, epochs: 3 }, onConfigChange: 'redo' })).status).toBe('done');
    expect((await runTrain({ ...base, config, seed: 2, force: true })).status).toBe('done');
  });
});
