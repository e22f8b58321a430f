import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import type { FakeHub } from '@selfj/hub/testing';
import { HfDataset, parseCardConfigs, pickConfig, selectByCard } from '../src/index.js';
import { collect, jsonl, setup } from './helpers.js';

const CARD = `---
license: mit
configs:
- config_name: english
  default: true
  data_files:
  - split: train
    path: "raw/en_*.jsonl"
  - split: test
    path: [raw/en_eval.jsonl]
- config_name: french
  data_files: raw/fr_*.jsonl
dataset_info:
  features:
  - name: question
    dtype: string
---
# A card
`;

let hub: FakeHub;
let cacheDir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ hub, cacheDir, done } = await setup()));
afterEach(() => done());

describe('data set card configs', () => {
  it('parses the configs block (split lists, single glob, default flag)', () => {
    const configs = parseCardConfigs(CARD);
    expect(configs).toEqual([
      { name: 'english', isDefault: true, dataFiles: { train: ['raw/en_*.jsonl'], test: ['raw/en_eval.jsonl'] } },
      { name: 'french', isDefault: false, dataFiles: { train: ['raw/fr_*.jsonl'] } },
    ]);
    expect(pickConfig(configs).name).toBe('english');
    expect(pickConfig(configs, 'french').name).toBe('french');
    expect(() => pickConfig(configs, 'german')).toThrow(/no config "german"/);
    expect(() => pickConfig([{ ...configs[0], isDefault: false }, configs[1]])).toThrow(/several configs/);
    expect(parseCardConfigs('# no front matter')).toEqual([]);
    expect(parseCardConfigs('---\nlicense: mit\n---\n')).toEqual([]);
    const files = ['raw/en_a.jsonl', 'raw/en_eval.jsonl', 'raw/fr_a.jsonl', 'README.md'];
    // en_* also matches en_eval: the card says so, and datasets would read it too
    expect(selectByCard(files, configs[0])).toEqual({ files: ['raw/en_a.jsonl', 'raw/en_eval.jsonl'], split: 'train' });
    expect(selectByCard(files, configs[0], 'test').files).toEqual(['raw/en_eval.jsonl']);
    expect(() => selectByCard(files, configs[1], 'test')).toThrow(/no split "test"/);
  });

  it('an hf:// source follows the card: default config, chosen config and split', async () => {
    hub.commit('dataset', 'acme/card', {
      'README.md': CARD,
      'raw/en_part1.jsonl': jsonl([{ question: 'en1', answer: 'a' }]),
      'raw/en_part2.jsonl': jsonl([{ question: 'en2', answer: 'a' }]),
      'raw/en_eval.jsonl': jsonl([{ question: 'en-eval', answer: 'a' }]),
      'raw/fr_1.jsonl': jsonl([{ question: 'fr1', answer: 'a' }]),
      'other/train.jsonl': jsonl([{ question: 'not in any config', answer: 'a' }]),
    });
    const base = { source: 'hf://datasets/acme/card', hubUrl: hub.url, cacheDir, token: null };
    const def = new HfDataset(base);
    expect((await collect(def.records())).map((r) => r.instruction)).toEqual(['en-eval', 'en1', 'en2']);
    expect(def.info!.split).toBe('train');
    expect((await collect(new HfDataset({ ...base, config: 'french' }).records())).map((r) => r.instruction)).toEqual(['fr1']);
    expect((await collect(new HfDataset({ ...base, split: 'test' }).records())).map((r) => r.instruction)).toEqual(['en-eval']);
    // an explicit pattern bypasses the card
    expect((await collect(new HfDataset({ ...base, pattern: 'other/*.jsonl' }).records())).map((r) => r.instruction)).toEqual(['not in any config']);
    const bad = await collect(new HfDataset({ ...base, config: 'german' }).records()).catch((e) => e);
    expect(isSelfjError(bad, 'BAD_CONFIG')).toBe(true);
    expect(bad.message).toContain('english, french');
    // offline, the card comes from the cache and selects the same files
    const off = await collect(new HfDataset({ ...base, offline: true }).records());
    expect(off.map((r) => r.instruction)).toEqual(['en-eval', 'en1', 'en2']);
  });
});
