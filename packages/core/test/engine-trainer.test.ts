import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINS, DEFAULT_TEMPLATES, logOffset } from '../src/stages/index.js';
import { DEFAULT_CONFIG } from '../src/index.js';
import { checkJudgeFits, loadJudge, runJudge, TrainedHeadJudge, ZeroShotJudge, saveJudge, trainHead, type TrainData } from '../src/judge/index.js';
import { kernels } from '../src/infra/index.js';
import { FakeBackend } from './engine-fake.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-trainer-'));
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Synthetic items whose label depends linearly on the features, with random zero-shot offsets. */
function synthetic(n: number, dim: number, seed = 1): TrainData {
  let s = seed;
  const r = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const d: TrainData = { hTeacher: new Float32Array(n * dim), hStudent: new Float32Array(n * dim), offTeacher: new Float32Array(n * BINS), offStudent: new Float32Array(n * BINS), z: new Float32Array(n), dim };
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      d.hStudent[i * dim + j] = r();
      d.hTeacher[i * dim + j] = d.hStudent[i * dim + j] + 0.1 * r();
    }
    d.z[i] = Math.min(9, Math.max(0, 4.5 + 3 * d.hStudent[i * dim] - 2 * d.hStudent[i * dim + 1]));
    const p = Array.from({ length: BINS }, () => 0.2 + Math.abs(r()));
    logOffset(p, d.offTeacher, i * BINS);
    logOffset(p.reverse(), d.offStudent, i * BINS);
  }
  return d;
}

const cfg = { ...DEFAULT_CONFIG.train, epochs: 30, batchSize: 16, lr: 0.01, warmupSteps: 5, valSplit: 0.25, patience: 30 };

describe('head trainer', () => {
  it('lowers the loss on held-out items, from W = 0', async () => {
    const r = await trainHead(synthetic(200, 32), cfg, 7);
    expect(r.trainItems).toBe(150);
    expect(r.valItems).toBe(50);
    expect(r.best.valLoss!).toBeLessThan(r.initial.valLoss! - 0.2);
    expect(r.best.valPearson!).toBeGreaterThan(r.initial.valPearson! + 0.3);
    expect(r.history.at(-1)!.trainLoss).toBeLessThan(r.history[0].trainLoss);
    expect(r.best.valPearson!).toBeGreaterThan(0.6);
  });

  it('is deterministic: same data, config and seed give identical weights; another seed differs', async () => {
    const d = synthetic(80, 32); // dims >= 32: the CPU addon is slow on tiny dims (see closing note)
    const a = await trainHead(d, cfg, 3);
    const b = await trainHead(d, cfg, 3);
    const c = await trainHead(d, cfg, 4);
    expect(Buffer.from(a.weights.w.buffer).equals(Buffer.from(b.weights.w.buffer))).toBe(true);
    expect(a.history).toEqual(b.history);
    expect(Buffer.from(a.weights.w.buffer).equals(Buffer.from(c.weights.w.buffer))).toBe(false);
  });

  it('an untrained head (W = 0, b = 0) gives the offset distribution back: the zero-shot self-evaluation', async () => {
    const k = await kernels();
    const p = [0.05, 0.05, 0.1, 0.1, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05];
    const out = k.judgeHeadForward({ h: new Float32Array([1, -2, 3]), w: new Float32Array(BINS * 3), bias: new Float32Array(BINS), offset: logOffset(p), dim: 3, bins: BINS });
    for (let b = 0; b < BINS; b++) expect(out.probs[b]).toBeCloseTo(p[b], 6);
    expect(out.scores[0]).toBeCloseTo(p.reduce((s, x, i) => s + i * x, 0), 5);
  });
});

describe('judge artifact', () => {
  const templates = { withReference: 'tw', referenceFree: 'ts' };
  const zeroHead = (dim: number) => ({ w: new Float32Array(BINS * dim), bias: new Float32Array(BINS), mean: new Float32Array(dim), std: new Float32Array(dim).fill(1), dim, bins: BINS });

  it('round-trips, and says why it does not fit another model, template or feature size', () => {
    const d = tmp();
    saveJudge(d, { configHash: 'c', baseModel: { id: 'fake:model', fileHash: 'fp1:aaa' }, templates, training: {}, metrics: {} }, zeroHead(4));
    const j = loadJudge(d);
    expect(j.weights.dim).toBe(4);
    expect(() => checkJudgeFits(j, { model: { id: 'fake:model', fileHash: 'fp1:aaa' }, referenceFreeTemplate: 'ts', featureDim: 4 })).not.toThrow();
    expect(() => checkJudgeFits(j, { model: { id: 'x', fileHash: 'fp1:bbb' }, referenceFreeTemplate: 'other', featureDim: 8 })).toThrow(
      /trained on model file fp1:aaa.*prompt template hash is ts.*expects 4-dimensional features; the backend gives 8/s,
    );
  });

  it('detects corrupted weights', () => {
    const d = tmp();
    saveJudge(d, { configHash: 'c', baseModel: { id: 'm' }, templates, training: {}, metrics: {} }, zeroHead(2));
    const f = join(d, 'weights.bin');
    const b = readFileSync(f);
    b[0] ^= 0xff;
    writeFileSync(f, b);
    expect(() => loadJudge(d)).toThrow(/do not match their manifest/);
  });

  it('judge stage: an untrained judge scores exactly like the zero-shot self-evaluation', async () => {
    const d = tmp();
    const backend = new FakeBackend(5);
    const items = join(d, 'items.jsonl');
    writeFileSync(items, Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `i${i}`, instruction: `task ${i}`, response: `answer ${i * 7}` })).join('\n'));
    const { viewTemplateHashes } = await import('../src/stages/index.js');
    const th = viewTemplateHashes(DEFAULT_TEMPLATES, false);
    saveJudge(join(d, 'judge'), { configHash: 'c', baseModel: { id: backend.id }, templates: th, training: {}, metrics: {} }, { ...zeroHead(5), mean: new Float32Array(5).fill(0.3), std: new Float32Array(5).fill(2) });
    const zero = await runJudge({ dir: join(d, 'zero'), input: items, judge: new ZeroShotJudge(backend, DEFAULT_TEMPLATES.referenceFree) });
    const trained = await runJudge({ dir: join(d, 'trained'), input: items, judge: await TrainedHeadJudge.create(backend, DEFAULT_TEMPLATES.referenceFree, loadJudge(join(d, 'judge'))) });
    const a = lines(zero.recordsFile);
    const b = lines(trained.recordsFile);
    expect(a).toHaveLength(12);
    for (let i = 0; i < a.length; i++) {
      expect(a[i].mode).toBe('zero-shot');
      expect(b[i].mode).toBe('trained');
      expect(Math.abs(b[i].score - a[i].score)).toBeLessThan(1e-5);
      expect(b[i].z0).toBe(a[i].score);
    }
    // a changed template is refused with the reason
    const other = { ...DEFAULT_TEMPLATES.referenceFree, user: 'Rate: {{response}}' };
    await expect(TrainedHeadJudge.create(backend, other, loadJudge(join(d, 'judge')))).rejects.toThrow(/reference-free prompt template hash/);
  });
});
