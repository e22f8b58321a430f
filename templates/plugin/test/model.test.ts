/** The toy model itself: a proper distribution that learned its corpus. Test your own model's logic like this. */
import { describe, expect, it } from 'vitest';
import { BigramModel, EOS, VOCAB_SIZE, tokenOf } from '../src/model.js';

describe('bigram model', () => {
  const model = new BigramModel('the cat sat on the mat\nthe dog sat on the log');

  it('every row is a distribution over the whole vocabulary', () => {
    for (const previous of [EOS, tokenOf('t'), tokenOf('~')]) {
      const p = model.next(previous);
      expect(p.length).toBe(VOCAB_SIZE);
      expect(p.every((x) => x > 0 && x < 1)).toBe(true);
      expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    }
  });

  it('learns the corpus: "h" follows "t" more often than anything else', () => {
    const p = model.next(tokenOf('t'));
    const best = p.indexOf(Math.max(...p));
    expect(best).toBe(tokenOf('h'));
  });
});
