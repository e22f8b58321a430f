import { describe, expect, it } from 'vitest';
import { approxTokens, isNonText, isPlain, RecordFilter } from '../src/collect/index.js';

const rec = (instruction: string, reference: string) => ({ id: 'x', instruction, reference });

describe('collect filters', () => {
  const f = new RecordFilter({
    instruction: { minChars: 10, maxChars: 200, minTokens: 3, maxTokens: 40 },
    reference: { minChars: 2, maxChars: 300, maxTokens: 60 },
  });

  it('keeps ordinary records', () => {
    expect(f.check(rec('Write a haiku about autumn leaves.', 'Red leaves drift and fall...'))).toBeNull();
  });

  it('drops empty instructions and instruction length violations (chars and tokens)', () => {
    expect(f.check(rec('   \n ', 'fine answer'))).toBe('instruction-empty');
    expect(f.check(rec('Too short', 'fine answer'))).toBe('instruction-too-short'); // 9 chars
    expect(f.check(rec('a'.repeat(201), 'fine answer'))).toBe('instruction-too-long');
    const tokens = new RecordFilter({ instruction: { minChars: 1, minTokens: 4 } });
    expect(tokens.check(rec('hi there', 'fine answer'))).toBe('instruction-too-short'); // 8 chars = 2 tokens
    expect(tokens.check(rec('hi there you all', 'fine answer'))).toBeNull();
  });

  it('counts approximate tokens as max(words, ceil(chars/4))', () => {
    expect(approxTokens('')).toBe(0);
    expect(approxTokens('a b c d e')).toBe(5);
    expect(approxTokens('abcdefghijklmnop')).toBe(4);
    // 45 one-letter words in 89 chars: words decide, so maxTokens 40 is exceeded although chars/4 = 23.
    expect(f.check(rec(Array(45).fill('a').join(' '), 'fine answer'))).toBe('instruction-too-long');
    expect(f.check(rec('a b c d e f g h i j k', 'ok ' + Array(61).fill('x').join(' ')))).toBe('reference-too-long');
  });

  it('drops placeholder references, built-in and configured', () => {
    for (const ref of ['', '   ', 'N/A', 'n/a', '...', '…', 'None', '<noinput>', '--', '?!', ' null ']) {
      expect(f.check(rec('Explain photosynthesis briefly.', ref)), JSON.stringify(ref)).toBe('reference-placeholder');
    }
    const g = new RecordFilter({ placeholders: ['No answer available'] });
    expect(g.check(rec('Explain photosynthesis briefly.', ' no answer AVAILABLE '))).toBe('reference-placeholder');
    expect(g.check(rec('Explain photosynthesis briefly.', 'No.'))).toBeNull(); // a real short answer
  });

  it('drops reference length violations', () => {
    expect(f.check(rec('Explain photosynthesis briefly.', 'x'))).toBe('reference-too-short');
    expect(f.check(rec('Explain photosynthesis briefly.', 'y'.repeat(301)))).toBe('reference-too-long');
  });

  it('detects non-text: binary garbage, base64 blobs, URL-only', () => {
    const binary = 'ab\u0000\u0001\u0002\u0003cd\ufffd\ufffd\u0007\u0008xy';
    const b64 = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('base64');
    expect(isNonText(binary)).toBe(true);
    expect(isNonText(b64)).toBe(true);
    expect(isNonText(`Decode this: ${b64}`)).toBe(true);
    expect(isNonText('https://example.com/a/b?c=1')).toBe(true);
    expect(isNonText('  https://a.example/x \n www.b.example/y ')).toBe(true);
    expect(isNonText('See https://example.com for details about the topic.')).toBe(false);
    expect(isNonText('Plain prose with tabs\tand\nnewlines, café, 東京, emoji 🎉.')).toBe(false);
    expect(isNonText('Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(3))).toBe(false); // long word, not data
    expect(isNonText(`A line of ordinary prose with one stray \u0007 bell character in it.`)).toBe(false);
    expect(isNonText(`${'Some words around the blob. '.repeat(2)}${b64}`)).toBe(true); // blob is most of the text
    expect(isNonText(`${'Some words around the blob. '.repeat(40)}${b64.slice(0, 130)}`)).toBe(false); // blob is a small part
    expect(f.check(rec('Explain photosynthesis briefly.', b64))).toBe('reference-too-long');
    const g = new RecordFilter();
    expect(g.check(rec('Explain photosynthesis briefly.', b64))).toBe('reference-non-text');
    expect(g.check(rec(binary + binary, 'A fine answer here.'))).toBe('instruction-non-text');
    expect(new RecordFilter({ nonText: false }).check(rec('Explain photosynthesis briefly.', b64))).toBeNull();
  });

  it('isPlain: no bad characters and nothing to escape; the filter gives the same answers when told', () => {
    const texts = [
      'Write a haiku about autumn leaves.', 'say "hi"', 'back\\slash', 'tab\there', 'bell\u0007x', 'del\u007f', 'c1\u0085',
      'lone \ud800', 'pair 😀', 'Ünïcödé — “x”', 'bad \ufffd\ufffd\ufffd', 'ab\u0000\u0001\u0002\u0003cd\ufffd\ufffd\u0007\u0008xy',
      'https://example.com/a/b?c=1',
    ];
    const g = new RecordFilter();
    for (const t of texts) {
      expect(isPlain(t) ? `"${t}"` : JSON.stringify(t)).toBe(JSON.stringify(t));
      if (isPlain(t)) expect(/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(t)).toBe(false);
      for (const r of [rec(t + t + t, 'A fine answer here.'), rec('Explain photosynthesis briefly.', t)]) {
        expect(g.check(r, isPlain(r.instruction), isPlain(r.reference))).toBe(g.check(r));
      }
    }
    expect(isPlain('Write a haiku about autumn leaves.')).toBe(true);
    expect(isPlain('Ünïcödé — “x”')).toBe(true);
    expect(isPlain('say "hi"')).toBe(false);
  });
});
