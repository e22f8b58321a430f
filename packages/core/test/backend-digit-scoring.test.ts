import { describe, expect, it } from 'vitest';
import type { CandidateProbabilities, ModelBackend, Prompt } from '../src/contracts/backend.js';
import { SelfjError } from '../src/errors.js';
import { digitExpectation, scoreDigits } from '../src/stages/digit-scoring.js';

/** A fake backend that answers each prompt with a fixed candidate table (pure logic, no model). */
function fakeBackend(table: Record<string, Record<string, number | undefined>>): ModelBackend & { calls: number } {
  const b = {
    id: 'fake:table',
    calls: 0,
    capabilities: () => ({ logprobs: 'full' as const, features: false, embeddings: false, chatTemplate: false }),
    generate: async () => ({ text: '', finishReason: 'stop' as const }),
    tokenize: async () => [],
    close: async () => {},
    async nextTokenProbabilities(prompts: Prompt[], candidates: string[], options?: { signal?: AbortSignal }) {
      b.calls++;
      if (options?.signal?.aborted) throw new SelfjError('ABORTED', 'cancelled');
      return prompts.map((p): CandidateProbabilities => {
        const row = table[p as string];
        const probs: Record<string, number | undefined> = {};
        for (const c of candidates) probs[c] = row[c];
        return { probs, coverage: candidates.every((c) => row[c] !== undefined) ? 'full' : 'partial' };
      });
    },
  };
  return b;
}

const allDigits = (f: (d: number) => number | undefined) =>
  Object.fromEntries(Array.from({ length: 10 }, (_, d) => [String(d), f(d)]));

describe('digitExpectation', () => {
  it('is the probability-weighted mean of 0..9 and renormalises', () => {
    expect(digitExpectation([0, 0, 0, 0, 0, 0, 0, 1, 0, 0])).toBe(7);
    // 0.2*2 + 0.2*8 over mass 0.4 = 5
    expect(digitExpectation([0, 0, 0.2, 0, 0, 0, 0, 0, 0.2, 0])).toBeCloseTo(5, 12);
    expect(digitExpectation([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toBeCloseTo(4.5, 12);
  });
  it('rejects wrong length, negatives and zero mass', () => {
    expect(() => digitExpectation([1, 2])).toThrow(/10 probabilities/);
    expect(() => digitExpectation([-1, 0, 0, 0, 0, 0, 0, 0, 0, 2])).toThrow(SelfjError);
    expect(() => digitExpectation(new Array(10).fill(0))).toThrow(/sum to 0/);
  });
});

describe('scoreDigits', () => {
  it('sums bare and space-prefixed forms, renormalises and reports the mass', async () => {
    // digit 3: 0.1 ("3") + 0.1 (" 3"); digit 9: 0.2 ("9"); everything else 0 => mass 0.4
    const row: Record<string, number | undefined> = { ...allDigits((d) => (d === 3 ? 0.1 : d === 9 ? 0.2 : 0)) };
    for (let d = 0; d < 10; d++) row[` ${d}`] = d === 3 ? 0.1 : undefined;
    const [s] = await scoreDigits(fakeBackend({ p: row }), ['p']);
    expect(s.digitMass).toBeCloseTo(0.4, 12);
    expect(s.probs[3]).toBeCloseTo(0.5, 12);
    expect(s.probs[9]).toBeCloseTo(0.5, 12);
    expect(s.expected).toBeCloseTo(6, 12); // 0.5*3 + 0.5*9
    expect(s.coverage).toBe('full');
    expect(s.missing).toEqual([]);
    expect(s.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('reports partial coverage and renormalises over the visible digits only', async () => {
    // visible: 0 (0.3), 1 (0.1); 2..9 hidden (top-k cut-off)
    const row = allDigits((d) => (d === 0 ? 0.3 : d === 1 ? 0.1 : undefined));
    const [s] = await scoreDigits(fakeBackend({ q: row }), ['q']);
    expect(s.coverage).toBe('partial');
    expect(s.missing).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.probs[0]).toBeCloseTo(0.75, 12);
    expect(s.probs[1]).toBeCloseTo(0.25, 12);
    expect(s.expected).toBeCloseTo(0.25, 12);
    expect(s.digitMass).toBeCloseTo(0.4, 12);
  });

  it('keeps results in prompt order and makes one backend call for all prompts', async () => {
    const b = fakeBackend({ a: allDigits((d) => (d === 2 ? 0.5 : 0)), b: allDigits((d) => (d === 8 ? 0.9 : 0)) });
    const out = await scoreDigits(b, ['a', 'b', 'a']);
    expect(out.map((s) => s.expected)).toEqual([2, 8, 2]);
    expect(b.calls).toBe(1);
  });

  it('never returns a silent 0: no visible digit is a typed CAPABILITY_MISSING error', async () => {
    const err = await scoreDigits(fakeBackend({ x: {} }), ['x']).catch((e) => e);
    expect(err).toBeInstanceOf(SelfjError);
    expect(err.code).toBe('CAPABILITY_MISSING');
    expect(err.message).toMatch(/Possible solutions/);
  });

  it('zero probability on every visible digit is a typed error, not NaN', async () => {
    const err = await scoreDigits(fakeBackend({ z: allDigits(() => 0) }), ['z']).catch((e) => e);
    expect(err).toBeInstanceOf(SelfjError);
    expect(err.code).toBe('BAD_INPUT');
  });

  it('honours an already-aborted signal and returns [] for no prompts', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await scoreDigits(fakeBackend({}), ['p'], { signal: ac.signal }).catch((e) => e);
    expect(err.code).toBe('ABORTED');
    expect(await scoreDigits(fakeBackend({}), [])).toEqual([]);
  });
});
