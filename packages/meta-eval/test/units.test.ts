/** The protocol arithmetic on small hand-checked cases. */
import { describe, expect, it } from 'vitest';
import { bonMetrics, classReport, exactAgreement, majorityVote, pairwiseMetrics, promptSections, verdicts } from '../src/index.js';

describe('verdicts and tie-inclusive agreement', () => {
  it('equal scores are a tie verdict; a tolerance widens the tie', () => {
    expect(verdicts([3, 1, 2, 2.5], [1, 3, 2, 2])).toEqual(['a', 'b', 'tie', 'a']);
    expect(verdicts([3, 1, 2, 2.5], [1, 3, 2, 2], 0.5)).toEqual(['a', 'b', 'tie', 'tie']);
  });

  it('3-way exact agreement and macro precision/recall/F1 (PandaLM: an empty class scores 0)', () => {
    const gold = ['a', 'a', 'b', 'tie'] as const;
    const pred = ['a', 'b', 'b', 'b'] as const;
    expect(exactAgreement([...pred], [...gold])).toBe(0.5);
    const r = classReport([...pred], [...gold]);
    // tie: P 0 R 0; a: P 1 R 1/2 F 2/3; b: P 1/3 R 1 F 1/2
    expect(r.accuracy).toBe(0.5);
    expect(r.macroPrecision).toBeCloseTo((0 + 1 + 1 / 3) / 3, 12);
    expect(r.macroRecall).toBeCloseTo((0 + 0.5 + 1) / 3, 12);
    expect(r.macroF1).toBeCloseTo((0 + 2 / 3 + 0.5) / 3, 12);
  });

  it('Auto-J: agreement at tolerance 0 and the best tie threshold in [0, 2]', () => {
    const a = Float64Array.from([5, 3, 4.5, 2]);
    const b = Float64Array.from([1, 3.4, 4, 2.1]);
    const m = pairwiseMetrics('autoj-agreement', a, b, ['a', 'tie', 'tie', 'tie']);
    expect(m.agreement).toBe(0.25);
    // t >= 0.5 makes pairs 2-4 ties (all right); pair 1 (diff 4) stays "a"
    expect(m.bestThresholdAgreement).toBe(1);
    expect(m.bestThreshold).toBe(0.5);
  });

  it('MT-bench: S1 keeps ties, S2 drops a tie on either side; LLMBar counts a judge tie one half', () => {
    const a = Float64Array.from([2, 1, 5, 5]);
    const b = Float64Array.from([1, 2, 5, 1]);
    const mt = pairwiseMetrics('mtbench-agreement', a, b, ['a', 'a', 'tie', 'tie']);
    expect(mt.agreementS1).toBe(0.5); // right on pairs 1 and 3
    expect(mt.agreementS2).toBe(0.5); // pairs 1 and 2 only: 1 of 2
    const lb = pairwiseMetrics('llmbar-accuracy', Float64Array.from([2, 1, 3]), Float64Array.from([1, 2, 3]), ['a', 'a', 'b']);
    expect(lb.accuracy).toBeCloseTo((1 + 0 + 0.5) / 3, 12);
  });

  it('best-of-N: pick, random and oracle; tied top scores share their grades', () => {
    const m = bonMetrics([
      { scores: [1, 3, 2], grades: [0, 1, 0.5] },
      { scores: [2, 2, 0], grades: [1, 0, 1] },
    ]);
    expect(m.winRate).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(m.random).toBeCloseTo((0.5 + 2 / 3) / 2, 12);
    expect(m.oracle).toBe(1);
  });

  it('PandaLM majority vote: equal counts go to the vote seen first', () => {
    expect(majorityVote(['1', '2', '2'])).toBe('2');
    expect(majorityVote(['0', '1', '2'])).toBe('0');
    expect(majorityVote(['2', '1', '1'])).toBe('1');
  });
});

describe('Prometheus prompt sections', () => {
  it('takes the instruction, response and reference out of a rendered prompt', () => {
    const p =
      '###Task Description:\nstuff\n\n###The instruction to evaluate:\nWrite a haiku.\n\n###Response to evaluate:\nLeaves fall.\n\n' +
      '###Reference Answer (Score 5):\nAn autumn haiku.\n\n###Score Rubrics:\n[Is it a haiku?]\nScore 1: no\n\n###Feedback: ';
    expect(promptSections(p)).toEqual({ instruction: 'Write a haiku.', response: 'Leaves fall.', reference: 'An autumn haiku.' });
    expect(promptSections('###The instruction to evaluate:\nx\n\n###Response to evaluate:\ny\n\n###Score Rubric:\nz')).toEqual({ instruction: 'x', response: 'y' });
    expect(promptSections('no sections here')).toBeUndefined();
  });
});
