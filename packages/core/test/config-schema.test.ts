import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CONFIG_SCHEMA, DEFAULT_CONFIG, configSchema, resolveConfig, settingSchema, unwrapSchema, type SelfjError } from '../src/index.js';

function problems(user: unknown, options = {}): string[] {
  try {
    resolveConfig(user, options);
  } catch (e) {
    expect((e as SelfjError).code).toBe('BAD_CONFIG');
    return (e as SelfjError).details.problems as string[];
  }
  throw new Error('expected the config to be rejected');
}

describe('the config schema', () => {
  it('fills in the method defaults', () => {
    const c = resolveConfig({ data: { source: 'x.jsonl' }, backend: { id: 'llama-cpp:m.gguf' } });
    expect(c.sample).toMatchObject({ samples: 1, temperature: 0.7, topP: 0.9, maxTokens: 512 });
    expect(c.label).toEqual({ w1: 0.5, w2: 4.5, bias: 0, z2Floor: 0, clip: [0, 9], normalize: false });
    expect(c.train).toMatchObject({ studentWeight: 0.3, klWeight: 2, epochs: 30 });
    expect(c.data.fields.instruction).toBe('instruction');
    expect(c.splits).toEqual({ train: 0.6, calibrate: 0.2, test: 0.2 });
  });

  it('reads the older data.file as data.source', () => {
    expect(resolveConfig({ data: { file: 'old.jsonl' } }).data.source).toBe('old.jsonl');
  });

  it('rejects each of the silently accepted mistakes, naming the path and what was wrong', () => {
    const p = problems(
      { train: { epoch: 3 }, sample: { stop: 'END' }, label: { z2Floor: 'abc' }, data: { fields: { id: 5 } }, templates: { sample: 42 } },
      { source: 'my.json' },
    );
    expect(p).toHaveLength(5);
    expect(p.find((l) => l.startsWith('train.epoch:'))).toMatch(/unknown setting \(did you mean train\.epochs\?\)/);
    expect(p.find((l) => l.startsWith('sample.stop:'))).toMatch(/expected array, got "END"/);
    expect(p.find((l) => l.startsWith('label.z2Floor:'))).toMatch(/expected number, got "abc"/);
    expect(p.find((l) => l.startsWith('data.fields.id:'))).toMatch(/expected string, got 5/);
    expect(p.find((l) => l.startsWith('templates.sample:'))).toMatch(/expected object, got 42/);
  });

  it('lists every problem at once, ranges included', () => {
    const p = problems({ sample: { topP: 2, samples: 0 }, train: { lr: 0 }, label: { clip: [9, 0] }, bogus: 1, splits: { train: 0.9 } });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^sample\.topP: must be <= 1, got 2$/),
        expect.stringMatching(/^sample\.samples: must be >= 1, got 0$/),
        expect.stringMatching(/^train\.lr: must be > 0, got 0$/),
        expect.stringMatching(/^label\.clip: expected \[low, high\] with low < high/),
        expect.stringMatching(/^bogus: unknown setting/),
        expect.stringMatching(/^splits: train \+ calibrate \+ test must add up to 1/),
      ]),
    );
    expect(p).toHaveLength(6);
  });

  it('names the CLI flag that set a bad value', () => {
    const p = problems({}, { overrides: { 'calibrate.targetRisk': 'abc' }, flagNames: { 'calibrate.targetRisk': '--target-risk' } });
    expect(p).toEqual(['--target-risk (calibrate.targetRisk): expected number, got "abc"']);
  });

  it('gives the JSON schema from the same source: every section, defaults, no unknown keys', () => {
    const props = CONFIG_SCHEMA.properties as Record<string, { additionalProperties?: boolean; properties?: Record<string, { default?: unknown }> }>;
    for (const k of Object.keys(DEFAULT_CONFIG)) expect(Object.keys(props)).toContain(k);
    expect(CONFIG_SCHEMA.additionalProperties).toBe(false);
    expect(props.train.additionalProperties).toBe(false);
    expect(props.train.properties?.epochs.default).toBe(30);
  });

  it('exposes one setting by path (what CLI flags are built from)', () => {
    expect(settingSchema('calibrate.delta')?.description).toMatch(/confidence/);
    expect(settingSchema('calibrate.nope')).toBeUndefined();
  });

  it('every setting, at every level, has its description on the schema settingSchema gives (what --help shows)', () => {
    const missing: string[] = [];
    const paths: string[] = [];
    const walk = (prefix: string, s: z.ZodType) => {
      const shape = (unwrapSchema(s) as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
      for (const key of Object.keys(shape)) {
        const path = prefix ? `${prefix}.${key}` : key;
        const setting = settingSchema(path);
        paths.push(path);
        if (!setting?.description?.trim()) missing.push(path);
        if (setting) walk(path, setting);
      }
    };
    walk('', configSchema);
    expect(paths).toEqual(expect.arrayContaining(['sample.topP', 'calibrate.targetRisk', 'templates.sample.user', 'gateway.log.maxBytes']));
    expect(missing).toEqual([]);
    expect(settingSchema('sample.topP')?.description).toMatch(/^Nucleus sampling/);
  });

  it('calibrate.targetRisk is in (0, 1), what calibrateThreshold accepts; 0.2 by default', () => {
    expect(DEFAULT_CONFIG.calibrate.targetRisk).toBe(0.2);
    expect(problems({ calibrate: { targetRisk: 1 } })).toEqual(['calibrate.targetRisk: must be < 1, got 1']);
    expect(problems({ calibrate: { targetRisk: 0 } })).toEqual(['calibrate.targetRisk: must be > 0, got 0']);
    expect(resolveConfig({ calibrate: { targetRisk: 0.99 } }).calibrate.targetRisk).toBe(0.99);
  });
});
