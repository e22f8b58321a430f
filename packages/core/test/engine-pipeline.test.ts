import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinDeps, resolveConfig, runPipeline, type Embedder, type ModelBackend, type SelfjConfig } from '../src/index.js';
import { FakeBackend, FakeEmbedder, instructions } from './engine-fake.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-pipe-'));
const FILES = ['sample/records.jsonl', 'self-eval/records.jsonl', 'similarity/records.jsonl', 'label/records.jsonl', 'train/features/records.jsonl', 'train/weights.bin', 'judge/records.jsonl', 'select/records.jsonl', 'eval/report.json', 'calibrate/calibration.json'];

function config(dataDir: string, out: string) {
  const data = join(dataDir, 'data.jsonl');
  writeFileSync(data, instructions(30));
  return resolveConfig({
    out,
    seed: 5,
    data: { source: data },
    backend: { id: 'fake:model', batchSize: 4, concurrency: 2 },
    sample: { samples: 2, maxTokens: 16 },
    train: { epochs: 5, batchSize: 8 },
    calibrate: { targetRisk: 0.5, delta: 0.2, badBelow: 4 },
  });
}

/** Aborts the run after `after` backend calls (any kind), like Ctrl-C in the middle of a stage. */
function interrupting(b: FakeBackend, ac: AbortController, after: number): ModelBackend {
  let n = 0;
  const tick = () => {
    if (++n === after) ac.abort();
  };
  return new Proxy(b, {
    get(t, p, r) {
      const v = Reflect.get(t, p, r);
      if (typeof v === 'function' && ['generate', 'nextTokenProbabilities', 'features'].includes(String(p))) {
        return async (...a: unknown[]) => {
          tick();
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      }
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** The config and the built-in deps around a backend and the fake embedder. */
async function withDeps(config: SelfjConfig, backend: ModelBackend, embedder: Embedder = new FakeEmbedder()) {
  return { config, deps: await builtinDeps(backend, embedder, config) };
}

describe('pipeline (fake backend)', () => {
  it('runs every stage, is deterministic, and skips complete stages on a rerun', async () => {
    const d = tmp();
    const a = await runPipeline({ ...(await withDeps(config(d, join(d, 'a')), new FakeBackend(32))) });
    expect(a.stages.map((s) => s.stage)).toEqual(['data', 'sample', 'self-eval', 'similarity', 'label', 'train', 'judge', 'calibrate', 'eval', 'select']);
    expect(a.stages.find((s) => s.stage === 'sample')!.records).toBe(60);
    expect(a.assessment!.counts.train + a.assessment!.counts.calibrate + a.assessment!.counts.test).toBe(60);
    const label = readFileSync(join(d, 'a', 'label/records.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    for (const r of label) expect(r.z).toBeCloseTo(Math.min(9, (r.z1 + 9 * Math.max(r.z2, 0)) / 2), 12);

    const b = await runPipeline({ ...(await withDeps(config(d, join(d, 'b')), new FakeBackend(32))) });
    for (const f of FILES) expect(readFileSync(join(d, 'b', f)).equals(readFileSync(join(d, 'a', f))), f).toBe(true);
    expect(b.assessment!.test).toEqual(a.assessment!.test);

    const fb = new FakeBackend(32);
    const again = await runPipeline({ ...(await withDeps(config(d, join(d, 'a')), fb)) });
    expect(again.stages.filter((s) => ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge', 'select'].includes(s.stage)).every((s) => s.status === 'skipped')).toBe(true);
    expect(fb.calls).toEqual({ generate: 0, next: 0, features: 0 });
  });

  it('stopped at several points and resumed, it produces exactly the uninterrupted artifacts', async () => {
    const d = tmp();
    await runPipeline({ ...(await withDeps(config(d, join(d, 'ref')), new FakeBackend(32))) });
    const out = join(d, 'resumed');
    let stops = 0;
    for (const after of [7, 25, 40, 12, 12, 12, 12, 12, 1000]) {
      const ac = new AbortController();
      try {
        await runPipeline({ ...(await withDeps(config(d, out), interrupting(new FakeBackend(32), ac, after))), signal: ac.signal });
      } catch (e) {
        expect((e as { code?: string }).code).toBe('ABORTED');
        stops++;
      }
    }
    expect(stops).toBeGreaterThanOrEqual(6); // stops fell in sample, self-eval, train features and judge
    for (const f of FILES) expect(readFileSync(join(out, f)).equals(readFileSync(join(d, 'ref', f))), f).toBe(true);
  });

  it('bad records: a poisoned prompt is rejected with its reason under skip, and fails the run under fail', async () => {
    const d = tmp();
    const cfg = config(d, join(d, 'skip'));
    cfg.onBadRecord = 'skip';
    const fb = new FakeBackend(32);
    fb.poison = 'number 3:';
    const r = await runPipeline({ ...(await withDeps(cfg, fb)), until: 'self-eval' });
    expect(r.stages.find((s) => s.stage === 'self-eval')!.rejected).toBe(2);
    const rej = readFileSync(join(d, 'skip', 'self-eval/rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rej.map((x) => x.key)).toEqual(['q3#0', 'q3#1']);
    expect(rej[0].reason).toBe('prompt too long');
    const cfg2 = config(d, join(d, 'fail'));
    await expect(runPipeline({ ...(await withDeps(cfg2, fb)), until: 'self-eval' })).rejects.toThrow(/sample\/records.jsonl:7: prompt too long/);
  });

  it('a backend without features skips training and judges zero-shot', async () => {
    const d = tmp();
    const fb = new FakeBackend(8);
    fb.capabilities = () => ({ logprobs: 'full', features: false, embeddings: false, chatTemplate: false });
    const r = await runPipeline({ ...(await withDeps(config(d, join(d, 'nf')), fb)) });
    expect(r.stages.find((s) => s.stage === 'train')).toMatchObject({ status: 'skipped', detail: { reason: expect.stringMatching(/no hidden-state features/) } });
    const judged = readFileSync(join(d, 'nf', 'judge/records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(judged.every((x) => x.mode === 'zero-shot' && x.score === x.z0)).toBe(true);
    expect(fb.calls.features).toBe(0);
  });
});
