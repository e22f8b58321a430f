/**
 * Issue 13 B items 1, 2 and 7: a floor on the digit mass, one item without a visible digit rejected alone (named by
 * its record key and view), and digit forms that are one token counted once; the digit-mass distribution in the
 * manifest and the summary line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, SelfjError, type CandidateProbabilities, type ModelBackend, type Prompt } from '../src/index.js';
import { DEFAULT_TEMPLATES, describeDigitMass, massQuantiles, readDigitScore, recordDigitMass, runSelfEval } from '../src/stages/index.js';
import { ZeroShotJudge, runJudge } from '../src/judge/index.js';
import { readManifest } from '../src/infra/index.js';

const text = (p: Prompt) => (typeof p === 'string' ? p : p.map((m) => m.content).join('\n'));

/** Digit mass per prompt by a marker in the response: "tiny" 1e-12, "hidden" no digit visible, else 0.6. */
function markerBackend(): ModelBackend {
  return {
    id: 'fake:markers',
    capabilities: () => ({ logprobs: 'topK', k: 20, features: false, embeddings: false, chatTemplate: false }),
    generate: async () => ({ text: '', finishReason: 'stop' }),
    tokenize: async () => [],
    close: async () => {},
    async nextTokenProbabilities(prompts: Prompt[], candidates: string[]): Promise<CandidateProbabilities[]> {
      return prompts.map((p) => {
        const t = text(p);
        const probs: Record<string, number | undefined> = {};
        for (const c of candidates) {
          if (t.includes('hidden')) probs[c] = undefined;
          else if (!/^\d$/.test(c)) probs[c] = undefined;
          else probs[c] = t.includes('tiny') ? (c === '9' ? 1e-12 : 0) : c === '7' ? 0.6 : 0;
        }
        return { probs, coverage: 'partial' };
      });
    },
  };
}

function items(dir: string, responses: string[]): string {
  const f = join(dir, 'items.jsonl');
  writeFileSync(f, `${responses.map((r, i) => JSON.stringify({ id: `q${i}`, sample: 0, instruction: 'Name a colour.', reference: 'Blue.', response: r })).join('\n')}\n`);
  return f;
}

const jsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

describe('digit-mass floor (item 1)', () => {
  it('a score read from digit mass 1e-12 is a bad record below the floor, not a confident score', () => {
    const r = readDigitScore({ probs: { '9': 1e-12, '0': 0 } }, 0.05);
    expect(r).toBeInstanceOf(SelfjError);
    expect((r as SelfjError).code).toBe('BAD_RECORD');
    expect((r as SelfjError).message).toMatch(/low digit mass 1\.00e-12 < floor 0\.05/);
    // without a floor the library still reads it (and says how little mass there was)
    const s = readDigitScore({ probs: { '9': 1e-12 } });
    expect(s).not.toBeInstanceOf(Error);
    expect((s as { digitMass: number }).digitMass).toBe(1e-12);
  });

  it('the config default floor is 0.05', () => {
    expect(DEFAULT_CONFIG.scoring.minDigitMass).toBe(0.05);
  });

  it('self-eval rejects the low-mass item with its reason under skip, keeps the others, and summarises the mass', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-floor-'));
    const input = items(d, ['Blue.', 'tiny', 'Red.']);
    const out = join(d, 'se');
    const r = await runSelfEval({ dir: out, input, backend: markerBackend(), templates: DEFAULT_TEMPLATES, onBadRecord: 'skip', minDigitMass: 0.05 });
    expect(r.manifest.counts).toEqual({ records: 2, rejected: 1 });
    const [rej] = jsonl(join(out, 'rejects.jsonl'));
    expect(rej.key).toBe('q1#0');
    expect(rej.reason).toMatch(/record "q1#0", teacher view \(with reference\): low digit mass 1\.00e-12 < floor 0\.05/);
    const summary = await recordDigitMass(out, 0.05);
    expect(summary).toEqual({
      floor: 0.05,
      views: {
        withReference: { n: 2, min: 0.6, p5: 0.6, median: 0.6, max: 0.6 },
        referenceFree: { n: 2, min: 0.6, p5: 0.6, median: 0.6, max: 0.6 },
      },
      rejectedLowMass: 1,
    });
    expect(readManifest(out)!.extra!.digitMass).toEqual(summary);
    expect(describeDigitMass(summary!)).toBe(
      'digit mass (with reference) min 0.60, p5 0.60, median 0.60; digit mass (reference-free) min 0.60, p5 0.60, median 0.60 (floor 0.05, 1 rejected below it)',
    );
  });

  it('under fail, the low-mass item stops the stage naming file:line, the record key and the view', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-floor-'));
    const input = items(d, ['Blue.', 'tiny']);
    const err = await runSelfEval({ dir: join(d, 'se'), input, backend: markerBackend(), templates: DEFAULT_TEMPLATES, minDigitMass: 0.05 }).catch((e) => e);
    expect(err).toBeInstanceOf(SelfjError);
    expect(err.code).toBe('BAD_RECORD');
    expect(err.message).toMatch(/items\.jsonl:2: record "q1#0", teacher view \(with reference\): low digit mass/);
  });

  it('the zero-shot judge applies the floor too, and its fingerprint records it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-floor-'));
    const input = items(d, ['Blue.', 'tiny', 'Red.']);
    const judge = new ZeroShotJudge(markerBackend(), DEFAULT_TEMPLATES.referenceFree, 1, { minDigitMass: 0.05 });
    expect((await judge.fingerprint()).minDigitMass).toBe(0.05);
    const out = join(d, 'judge');
    const r = await runJudge({ dir: out, input, judge, onBadRecord: 'skip' });
    expect(r.manifest.counts).toEqual({ records: 2, rejected: 1 });
    // recorded as self-eval records it, so `selfj merge` of judge shards summarises with the floor they ran with
    expect(r.manifest.config).toMatchObject({ judge: judge.id, minDigitMass: 0.05 });
    expect(jsonl(join(out, 'rejects.jsonl'))[0].reason).toMatch(/low digit mass 1\.00e-12 < floor 0\.05/);
    const s = await recordDigitMass(out, 0.05);
    expect(s!.views).toEqual({ referenceFree: { n: 2, min: 0.6, p5: 0.6, median: 0.6, max: 0.6 } });
  });

  it('a median below the default floor is called out in the summary line', () => {
    const line = describeDigitMass({ floor: 0, views: { withReference: massQuantiles([3e-4, 1e-4, 5e-4])! }, rejectedLowMass: 0 });
    expect(line).toMatch(/median 0\.00030.*no floor.*mostly does not answer with a digit/);
  });

  it('massQuantiles: nearest-rank p5 and the usual median', () => {
    const v = Array.from({ length: 40 }, (_, i) => (40 - i) / 40);
    expect(massQuantiles(v)).toEqual({ n: 40, min: 1 / 40, p5: 2 / 40, median: (20 / 40 + 21 / 40) / 2, max: 1 });
    expect(massQuantiles([])).toBeUndefined();
  });
});

describe('one item without a visible digit (item 2)', () => {
  it('is rejected alone under skip, named by its record key and view; the stage completes', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-nodigit-'));
    const input = items(d, ['Blue.', 'Green.', 'hidden', 'Red.']);
    const out = join(d, 'se');
    const r = await runSelfEval({ dir: out, input, backend: markerBackend(), templates: DEFAULT_TEMPLATES, onBadRecord: 'skip', batchSize: 4 });
    expect(r.manifest.counts).toEqual({ records: 3, rejected: 1 });
    const [rej] = jsonl(join(out, 'rejects.jsonl'));
    expect(rej.key).toBe('q2#0');
    expect(rej.reason).toMatch(/^record "q2#0", teacher view \(with reference\): no score digit visible/);
    expect(rej.reason).not.toMatch(/prompt \d/i);
    expect(jsonl(join(out, 'records.jsonl')).map((x) => x.key)).toEqual(['q0#0', 'q1#0', 'q3#0']);
  });
});

describe('digit forms that resolve to one token (item 7)', () => {
  it('"7" and " 7" with the same token id are counted once', () => {
    const s = readDigitScore({ probs: { '7': 0.4, ' 7': 0.4, '2': 0.1, ' 2': 0.05 }, ids: { '7': 55, ' 7': 55, '2': 50, ' 2': 301 } });
    expect(s).not.toBeInstanceOf(Error);
    const r = s as { digitMass: number; probs: number[]; expected: number };
    expect(r.digitMass).toBeCloseTo(0.55, 12);
    expect(r.probs[7]).toBeCloseTo(0.4 / 0.55, 12);
    expect(r.expected).toBeCloseTo((7 * 0.4 + 2 * 0.15) / 0.55, 12);
  });
});
