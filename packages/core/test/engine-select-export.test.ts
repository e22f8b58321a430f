import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from '../src/stages/index.js';
import { decide, readTau, runRerank, runSelect } from '../src/decide/index.js';
import { runExport } from '../src/judge/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-sel-'));
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('select', () => {
  it('answers iff score >= tau, with the reason', () => {
    expect(decide(6.5, 6.5)).toEqual({ decision: 'answer', reason: 'score 6.500 >= tau 6.500' });
    expect(decide(6.49, 6.5)).toEqual({ decision: 'decline', reason: 'score 6.490 < tau 6.500' });
    expect(decide(9, null).decision).toBe('decline');
  });
  it('reads tau from a number or a calibration file', () => {
    const d = tmp();
    writeFileSync(join(d, 'c.json'), JSON.stringify({ tau: 4.2, coverage: 0.5 }));
    writeFileSync(join(d, 'bad.json'), JSON.stringify({ nope: 1 }));
    expect(readTau('5.5')).toBe(5.5);
    expect(readTau(join(d, 'c.json'))).toBe(4.2);
    expect(() => readTau(join(d, 'bad.json'))).toThrow(/not a calibration result/);
  });
  it('streams decisions for every record', async () => {
    const d = tmp();
    const f = join(d, 'j.jsonl');
    writeFileSync(f, [3, 7, 5].map((s, i) => JSON.stringify({ key: `k${i}`, score: s })).join('\n'));
    const r = await runSelect({ dir: join(d, 'out'), input: f, tau: 5 });
    expect(lines(r.recordsFile).map((x) => x.decision)).toEqual(['decline', 'answer', 'answer']);
  });
});

describe('rerank', () => {
  it('keeps the best sample per id (ties: lowest sample) and declines when the best is below tau', async () => {
    const d = tmp();
    const f = join(d, 'j.jsonl');
    const rows = [
      { id: 'a', sample: 0, score: 4 },
      { id: 'b', sample: 0, score: 8 },
      { id: 'a', sample: 1, score: 6 },
      { id: 'a', sample: 2, score: 6 },
      { id: 'b', sample: 1, score: 2 },
      { id: 'c', sample: 0, score: 1 },
    ];
    writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n'));
    const r = await runRerank({ dir: join(d, 'out'), input: f, tau: 3 });
    expect(r).toMatchObject({ ids: 3, answered: 2 });
    expect(lines(r.recordsFile).map((x) => [x.key, x.sample, x.candidates, x.decision])).toEqual([
      ['a', 1, 3, 'answer'],
      ['b', 0, 2, 'answer'],
      ['c', 0, 1, 'decline'],
    ]);
  });
});

describe('export (LoRA pairs)', () => {
  it('writes one teacher/student pair per item with the label digit and a two-hot target, plus the launch folder', async () => {
    const d = tmp();
    const f = join(d, 'label.jsonl');
    writeFileSync(f, JSON.stringify({ key: 'q1#0', id: 'q1', instruction: 'Add 2 and 2.', reference: '4', response: 'It is 4.', z: 6.25, split: 'train' }) + '\n');
    const r = await runExport({ dir: join(d, 'exp'), input: f, templates: DEFAULT_TEMPLATES, chat: true, baseModel: 'org/model' });
    const [p] = lines(r.recordsFile);
    expect(p.key).toBe('q1#0');
    expect(p.label).toBe(6);
    expect(p.teacher.completion).toBe('6');
    expect(p.target[6]).toBeCloseTo(0.75, 6);
    expect(p.target[7]).toBeCloseTo(0.25, 6);
    expect(p.teacher.prompt[1].content).toContain('Reference answer');
    expect(p.teacher.prompt[1].content).toContain('4');
    expect(p.student.prompt[1].content).not.toContain('Reference answer');
    for (const file of ['lora-config.json', 'train_selfj_lora.py', 'accelerate.yaml', 'launch.sh']) expect(existsSync(join(r.launchDir, file)), file).toBe(true);
    const cfg = JSON.parse(readFileSync(join(r.launchDir, 'lora-config.json'), 'utf8'));
    expect(cfg).toMatchObject({ baseModel: 'org/model', r: 16, alpha: 16, dropout: 0.05, lr: 3e-4, warmupSteps: 100, batchSize: 128, epochs: 2, studentWeight: 0.3, klWeight: 2 });
  });
});
