/**
 * The toy model behind the example backend: a character bigram model, p(next character | last character),
 * counted from a small corpus with add-k smoothing, so every token of the vocabulary has a probability and each
 * distribution sums to 1. Replace this file with the client of your own model.
 */

/** The vocabulary: end-of-text, newline and the printable ASCII characters. Token id = index. */
export const EOS = 0;
const CHARS = ['\n', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];
export const VOCAB_SIZE = CHARS.length + 1;
/** Characters outside the vocabulary are read as a space. */
const UNKNOWN = 1 + CHARS.indexOf(' ');

export const BUILTIN_CORPUS = `Once upon a time there was a little girl named Lily. She liked to play in the park with her dog.
One day Tom found a red ball under a big tree. He gave the ball to his friend Sue and they played all day.
The cat sat on the mat and the sun was warm. A bird sang in the tree and the kids laughed.
Question: how good is this answer on a scale from 0 to 9? Answer with one digit.
Score: 7
Score: 8
Score: 6
The answer is 5. The capital of France is Paris. Red, yellow and blue are primary colours.`;

export function tokenOf(ch: string): number {
  const i = CHARS.indexOf(ch);
  return i < 0 ? UNKNOWN : i + 1;
}

export function textOf(token: number): string {
  return token === EOS ? '' : (CHARS[token - 1] ?? '');
}

export function tokenize(text: string): number[] {
  return Array.from(text, tokenOf);
}

export class BigramModel {
  /** Row-major [VOCAB_SIZE x VOCAB_SIZE] probabilities: row = previous token. */
  private readonly table: Float64Array;

  constructor(corpus: string, smoothing = 0.05) {
    const counts = new Float64Array(VOCAB_SIZE * VOCAB_SIZE).fill(smoothing);
    for (const line of corpus.split('\n')) {
      // every line is a text: it starts after end-of-text and ends with it
      const tokens = [EOS, ...tokenize(line), EOS];
      for (let i = 1; i < tokens.length; i++) counts[tokens[i - 1] * VOCAB_SIZE + tokens[i]] += 1;
    }
    for (let row = 0; row < VOCAB_SIZE; row++) {
      let sum = 0;
      for (let j = 0; j < VOCAB_SIZE; j++) sum += counts[row * VOCAB_SIZE + j];
      for (let j = 0; j < VOCAB_SIZE; j++) counts[row * VOCAB_SIZE + j] /= sum;
    }
    this.table = counts;
  }

  /** p(next token) for every token after `previous` (a view; do not modify). */
  next(previous: number): Float64Array {
    return this.table.subarray(previous * VOCAB_SIZE, (previous + 1) * VOCAB_SIZE);
  }
}

/** A seeded random number generator (core's), so a seed gives the same samples everywhere. */
export { rng as seededRandom } from '@selfj/core/infra';
