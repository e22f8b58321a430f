import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesDataset } from '../src/index.js';
import plugin from '../src/index.js';
import { collect, FIXTURES } from './helpers.js';

const lines = (f: string) => readFileSync(join(FIXTURES, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

describe('shared fixtures, read as-is', () => {
  it('alpaca: auto-detected; instruction + input joined, output as reference; stable unique ids', async () => {
    const file = join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl');
    const ds = new FilesDataset({ files: file, source: 'alpaca-gpt4', revision: 'dev', category: 'common' });
    const recs = await collect(ds.records());
    const raw = lines('alpaca_gpt4_instruction_reference.dev.jsonl');
    expect(recs.length).toBe(995);
    expect(ds.stats.mapping).toBe('alpaca');
    expect(recs[0]).toMatchObject({ instruction: raw[0].instruction, reference: raw[0].output, category: 'common', source: 'alpaca-gpt4' });
    const withInput = raw.findIndex((r) => r.input);
    expect(withInput).toBeGreaterThan(-1);
    expect(recs[withInput].instruction).toBe(`${raw[withInput].instruction}\n\n${raw[withInput].input}`);
    expect(new Set(recs.map((r) => r.id)).size).toBe(995);
    const again = await collect(new FilesDataset({ files: file, source: 'alpaca-gpt4', revision: 'dev' }).records());
    expect(again.map((r) => r.id)).toEqual(recs.map((r) => r.id));
    const otherRev = await collect(new FilesDataset({ files: file, source: 'alpaca-gpt4', revision: 'v2', limit: 3 }).records());
    expect(otherRev[0].id).not.toBe(recs[0].id);
  });

  it('self-instruct: reference from instances[0].output', async () => {
    const file = join(FIXTURES, 'self_instruct_seed_tasks.dev.jsonl');
    const recs = await collect(new FilesDataset({ files: file }).records());
    const raw = lines('self_instruct_seed_tasks.dev.jsonl');
    expect(recs.length).toBe(170);
    for (const i of [0, 50, 169]) {
      expect(recs[i].reference).toBe(raw[i].instances[0].output);
      expect(recs[i].instruction).toBe(raw[i].instances[0].input ? `${raw[i].instruction}\n\n${raw[i].instances[0].input}` : raw[i].instruction);
    }
  });

  it('the same via an explicit dotted-path mapping', async () => {
    const file = join(FIXTURES, 'self_instruct_seed_tasks.dev.jsonl');
    const recs = await collect(new FilesDataset({ files: file, mapping: { instruction: '{instruction}', reference: 'instances.0.output', category: 'name' } }).records());
    const raw = lines('self_instruct_seed_tasks.dev.jsonl');
    expect(recs[3]).toMatchObject({ instruction: raw[3].instruction, reference: raw[3].instances[0].output, category: raw[3].name });
  });

  it('auto-j with an explicit mapping (query / response / scenario)', async () => {
    const file = join(FIXTURES, 'autoj_single_gpt4_rated.dev.jsonl');
    const recs = await collect(new FilesDataset({ files: file, mapping: { instruction: 'query', reference: 'response', category: 'scenario' } }).records());
    const raw = lines('autoj_single_gpt4_rated.dev.jsonl');
    expect(recs.length).toBe(828);
    expect(recs[10]).toMatchObject({ instruction: raw[10].query, reference: raw[10].response, category: raw[10].scenario });
  });

  it('an unknown layout without a mapping is a BAD_CONFIG naming the fields', async () => {
    const file = join(FIXTURES, 'llmbar_natural_pairwise.dev.jsonl');
    await expect(collect(new FilesDataset({ files: file }).records())).rejects.toMatchObject({ code: 'BAD_CONFIG', message: expect.stringContaining('output_1') });
  });

  it('the default export is a plugin with a `file` data set factory', async () => {
    expect(plugin.name).toBe('@selfj/dataset-files');
    const ds = await plugin.datasets.file(join(FIXTURES, 'prometheus_hhh_pairwise.dev.jsonl'), { mapping: { instruction: 'instruction', reference: 'chosen' }, limit: 5 });
    const recs = await collect(ds.records());
    expect(recs.length).toBe(5);
    expect(recs[0].reference).toBe(lines('prometheus_hhh_pairwise.dev.jsonl')[0].chosen);
  });
});
