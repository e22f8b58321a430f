import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA, DEFAULT_CONFIG, resolveConfig } from '../src/index.js';

describe('pipeline config', () => {
  it('fills in the SELFJ-METHOD.md defaults', () => {
    const c = resolveConfig({ data: { file: 'x.jsonl' }, backend: { id: 'llama-cpp:m.gguf' } });
    expect(c.sample).toMatchObject({ samples: 1, temperature: 0.7, topP: 0.9, maxTokens: 512 });
    expect(c.label).toMatchObject({ w1: 0.5, w2: 4.5, z2Floor: 0, clip: [0, 9], normalize: false });
    expect(c.train).toMatchObject({ studentWeight: 0.3, klWeight: 2 });
    expect(c.data.fields.instruction).toBe('instruction');
  });
  it('lists every problem with its path', () => {
    let err: unknown;
    try {
      resolveConfig({ data: { file: 'x' }, backend: { id: 'b' }, sample: { topP: 2, samples: 0 }, train: { lr: 0 }, label: { clip: [9, 0] }, bogus: 1 }, 'my.json');
    } catch (e) {
      err = e;
    }
    const msg = (err as Error).message;
    expect((err as { code: string }).code).toBe('BAD_CONFIG');
    expect(msg).toMatch(/^my.json has 5 problem/);
    for (const p of ['bogus: unknown setting', 'sample.samples: must be >= 1', 'sample.topP: must be <= 1', 'train.lr: must be > 0', 'label.clip']) expect(msg).toContain(p);
  });
  it('has a JSON schema naming every top-level section', () => {
    const props = Object.keys(CONFIG_SCHEMA.properties);
    for (const k of Object.keys(DEFAULT_CONFIG)) expect(props).toContain(k);
  });
});
