import { describe, expect, it } from 'vitest';
import { compileMapping, detectPreset, getPath, globToRegExp, presetMapper, RecordProblem } from '../src/index.js';

describe('presets', () => {
  it('detects common layouts from field names', () => {
    expect(detectPreset(['instruction', 'input', 'output'])).toBe('alpaca');
    expect(detectPreset(['instruction', 'context', 'response', 'category'])).toBe('dolly');
    expect(detectPreset(['question', 'answer'])).toBe('qa');
    expect(detectPreset(['id', 'messages'])).toBe('chat');
    expect(detectPreset(['conversations', 'id'])).toBe('chat');
    expect(detectPreset(['id', 'name', 'instruction', 'instances'])).toBe('self-instruct');
    expect(detectPreset(['prompt', 'completion'])).toBe('prompt');
    expect(detectPreset(['text'])).toBeUndefined();
  });

  it('dolly: instruction + context / response', () => {
    const m = presetMapper('dolly');
    expect(m.apply({ instruction: 'Summarise.', context: 'Long text.', response: 'Short.' })).toEqual({ instruction: 'Summarise.\n\nLong text.', reference: 'Short.' });
    expect(m.apply({ instruction: 'Hi', context: '', response: 'Hello' })).toEqual({ instruction: 'Hi', reference: 'Hello' });
  });

  it('chat: role/content (messages) and from/value (ShareGPT conversations), system turns skipped', () => {
    const m = presetMapper('chat');
    expect(
      m.apply({ messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'Q1' }, { role: 'assistant', content: 'A1' }, { role: 'user', content: 'Q2' }, { role: 'assistant', content: 'A2' }] }),
    ).toEqual({ instruction: 'Q1', reference: 'A1' });
    expect(m.apply({ conversations: [{ from: 'human', value: 'Hi?' }, { from: 'gpt', value: 'Hello!' }] })).toEqual({ instruction: 'Hi?', reference: 'Hello!' });
    expect(m.apply({ messages: [{ role: 'user', content: [{ type: 'text', text: 'multi' }, { type: 'text', text: 'part' }] }, { role: 'assistant', content: 'ok' }] })).toEqual({
      instruction: 'multi\npart',
      reference: 'ok',
    });
    expect(() => m.apply({ messages: [{ role: 'user', content: 'alone' }] })).toThrow(/no assistant turn/);
    expect(() => m.apply({ messages: [{ role: 'assistant', content: 'x' }] })).toThrow(/no user turn/);
  });
});

describe('explicit mappings', () => {
  it('dotted paths, negative indexes, keys with dots, lists joined, templates with optional fields and literal braces', () => {
    const row = { q: { text: 'What?' }, answers: { text: ['first', 'second'] }, 'a.b': 'dotted key', ctx: null, n: 42 };
    expect(compileMapping({ instruction: 'q.text', reference: 'answers.text.0' }).apply(row)).toEqual({ instruction: 'What?', reference: 'first' });
    expect(compileMapping({ instruction: 'a.b', reference: 'answers.text.-1' }).apply(row)).toEqual({ instruction: 'dotted key', reference: 'second' });
    expect(compileMapping({ instruction: ['q.text', 'ctx?', 'n'], reference: 'n', separator: ' | ' }).apply(row)).toEqual({ instruction: 'What? | 42', reference: '42' });
    expect(compileMapping({ instruction: 'Q: {q.text} {{literal}} {ctx?}', reference: '{answers.text.1}' }).apply(row)).toEqual({ instruction: 'Q: What? {literal} ', reference: 'second' });
    expect(compileMapping({ instruction: 'q.text', reference: 'n', category: 'answers.text.1' }).apply(row).category).toBe('second');
  });

  it('typed problems: missing, null, not text, not an object', () => {
    const m = compileMapping({ instruction: 'q', reference: 'a' });
    const problem = (row: unknown) => {
      try {
        m.apply(row);
      } catch (e) {
        return e instanceof RecordProblem ? [e.kind, e.reason] : ['other', String(e)];
      }
      return ['none', ''];
    };
    expect(problem({ q: 'x' })).toEqual(['missing-field', 'mapped field "a" is missing']);
    expect(problem({ q: 'x', a: null })).toEqual(['missing-field', 'mapped field "a" is null']);
    expect(problem({ q: 'x', a: [1] })).toEqual(['not-text', 'mapped field "a" is a list, not text']);
    expect(problem('a string')[0]).toBe('malformed');
  });

  it('knows which Parquet columns to read and which are missing', () => {
    const m = compileMapping({ instruction: ['instruction', 'input?'], reference: 'instances.0.output' });
    expect(m.columns).toEqual(expect.arrayContaining(['instruction', 'input', 'instances']));
    expect(m.missingFields(['instruction', 'instances'])).toEqual([]);
    expect(m.missingFields(['instruction', 'output'])).toEqual(['instances']);
    expect(() => compileMapping({ instruction: 'x' } as never)).toThrow(/needs at least/);
  });

  it('getPath and globs', () => {
    expect(getPath({ a: [{ b: 1 }] }, 'a.0.b')).toBe(1);
    expect(typeof getPath({ a: 1 }, 'a.b')).toBe('symbol');
    const re = globToRegExp('data/**/train-*.{parquet,jsonl}');
    expect(re.test('data/train-0.parquet')).toBe(true);
    expect(re.test('data/en/x/train-01.jsonl')).toBe(true);
    expect(re.test('data/test-0.parquet')).toBe(false);
    expect(globToRegExp('*.json').test('a/b.json')).toBe(false);
  });
});

describe('ids', () => {
  it('idMaker gives the same ids as stableId', async () => {
    const { idMaker, stableId } = await import('../src/id.js');
    const make = idMaker('src', 'rev', 'f.jsonl');
    for (const row of [0, 1, 99999]) expect(make(row)).toBe(stableId('src', 'rev', 'f.jsonl', row));
    expect(stableId('src', 'rev', 'f.jsonl', 1)).toMatch(/^[0-9a-f]{24}$/);
  });
});
