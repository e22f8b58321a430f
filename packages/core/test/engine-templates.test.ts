import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, fill, mergeTemplates, renderPrompt, splitOf, templateHash } from '../src/stages/index.js';

describe('prompt templates', () => {
  const item = { instruction: 'Add 2 and 2.', reference: 'Four.', response: 'It is 4.' };
  it('renders chat messages when the model has a chat template, else plain text ending at the answer', () => {
    const chat = renderPrompt(DEFAULT_TEMPLATES.withReference, item, true);
    expect(Array.isArray(chat)).toBe(true);
    const m = chat as { role: string; content: string }[];
    expect(m.map((x) => x.role)).toEqual(['system', 'user']);
    expect(m[1].content).toContain('Reference answer (known to be good):\nFour.');
    const plain = renderPrompt(DEFAULT_TEMPLATES.referenceFree, item, false) as string;
    expect(plain.endsWith('\n\nScore:')).toBe(true);
    expect(plain).not.toContain('Four.');
    expect(plain).toContain('Answer to rate:\nIt is 4.');
  });
  it('hashes template and mode together; overrides change the hash', () => {
    const t = DEFAULT_TEMPLATES.referenceFree;
    expect(templateHash(t, true)).not.toBe(templateHash(t, false));
    const custom = mergeTemplates({ referenceFree: { user: 'Rate {{response}} for {{instruction}}' } });
    expect(custom.referenceFree.system).toBe(t.system);
    expect(templateHash(custom.referenceFree, false)).not.toBe(templateHash(t, false));
    expect(fill(custom.referenceFree.user, item)).toBe('Rate It is 4. for Add 2 and 2.');
  });
});

describe('splits', () => {
  it('are stable per id and follow the shares', () => {
    const shares = { train: 0.6, calibrate: 0.2, test: 0.2 };
    expect(splitOf('q1', shares, 0)).toBe(splitOf('q1', shares, 0));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 5000; i++) counts[splitOf(`id-${i}`, shares, 0)] = (counts[splitOf(`id-${i}`, shares, 0)] ?? 0) + 1;
    expect(counts.train / 5000).toBeGreaterThan(0.57);
    expect(counts.train / 5000).toBeLessThan(0.63);
    expect(counts.test / 5000).toBeGreaterThan(0.17);
  });
});
