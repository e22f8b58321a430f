import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from '@selfj/hub/testing';
import { BIN, ENV, REPO, haveAssets, jsonl } from './helpers.js';

const FIXTURES = process.env.SELFJ_TEST_FIXTURES ?? '';
const alpaca = readFileSync(join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 6);

function selfj(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

describe.skipIf(!haveAssets)('selfj run reads any data set URI the loaders know', () => {
  let hub: FakeHub;
  let commit: string;
  const dir = mkdtempSync(join(tmpdir(), 'selfj-run-uri-'));
  beforeAll(async () => {
    hub = await new FakeHub().start();
    // Real Alpaca-GPT4 rows (instruction, input, output) as a data set repo on the loopback fake Hub.
    commit = hub.commit('dataset', 'acme/alpaca-mini', { 'data/train.jsonl': `${alpaca.join('\n')}\n`, 'README.md': '---\nlicense: cc-by-4.0\n---\n' });
  });
  afterAll(async () => hub.close());

  it('hf://datasets/owner/name@revision: the data stage writes the records once, and sampling reads them', async () => {
    const cfg = join(dir, 'hf.json');
    writeFileSync(cfg, JSON.stringify({ out: join(dir, 'hf'), data: { source: `hf://datasets/acme/alpaca-mini@${commit}`, options: { preset: 'alpaca' } }, sample: { maxTokens: 8 } }));
    const r = await selfj(['run', '--config', cfg, '--until', 'sample', '--json'], { HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(dir, 'hub-cache'), HF_HUB_OFFLINE: '0' });
    expect(r.code, r.stderr).toBe(0);
    const data = jsonl(join(dir, 'hf', 'data', 'records.jsonl'));
    expect(data).toHaveLength(6);
    const first = JSON.parse(alpaca[0]) as { instruction: string; input: string; output: string };
    expect(data[0].instruction).toContain(first.instruction);
    expect(data[0].reference).toBe(first.output);
    const sampled = jsonl(join(dir, 'hf', 'sample', 'records.jsonl'));
    expect(sampled.map((s) => s.id)).toEqual(data.map((d) => d.id));
    expect(JSON.parse(r.stdout).stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(['data:done', 'sample:done']);
  });

  it('a local CSV with a field mapping goes through the files loader the same way', async () => {
    const csv = join(dir, 'tasks.csv');
    writeFileSync(csv, 'task,answer\n"Name a colour","Blue"\n"Add 2 and 3","5"\n');
    const cfg = join(dir, 'csv.json');
    writeFileSync(cfg, JSON.stringify({ out: join(dir, 'csv'), data: { source: csv, options: { mapping: { instruction: 'task', reference: 'answer' } } }, sample: { maxTokens: 8 } }));
    const r = await selfj(['run', '--config', cfg, '--until', 'sample'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(jsonl(join(dir, 'csv', 'data', 'records.jsonl')).map((d) => [d.instruction, d.reference])).toEqual([
      ['Name a colour', 'Blue'],
      ['Add 2 and 3', '5'],
    ]);
    expect(jsonl(join(dir, 'csv', 'sample', 'records.jsonl'))).toHaveLength(2);
  });

  it('recorded answers with their external grade: the loader keeps the fields, the recorded sampler answers from them', async () => {
    // Real Auto-J rows (a query, a model's response, GPT-4's 1-10 rating), with a reference written for the test.
    const autoj = readFileSync(join(FIXTURES, 'autoj_single_gpt4_rated.dev.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 4);
    const rows = autoj.map((l) => JSON.parse(l) as { query: string; response: string; gpt4_score: number });
    const file = join(dir, 'rated.json');
    writeFileSync(file, JSON.stringify(rows.map((r) => ({ task: r.query, gold: 'a helpful, correct answer', answer: r.response, rating: r.gpt4_score }))));
    const cfg = join(dir, 'rated.json.config.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        out: join(dir, 'rated'),
        data: { source: file, options: { mapping: { instruction: 'task', reference: 'gold' } } },
        sample: { sampler: 'recorded:answer' },
        grade: { field: 'rating' },
      }),
    );
    const r = await selfj(['run', '--config', cfg, '--until', 'sample'], {});
    expect(r.code, r.stderr).toBe(0);
    const data = jsonl(join(dir, 'rated', 'data', 'records.jsonl'));
    expect(data.map((d) => [d.answer, d.rating])).toEqual(rows.map((x) => [x.response, x.gpt4_score]));
    const sampled = jsonl(join(dir, 'rated', 'sample', 'records.jsonl'));
    expect(sampled.map((s) => [s.response, s.rating])).toEqual(rows.map((x) => [x.response.trim(), x.gpt4_score]));
    expect(JSON.parse(readFileSync(join(dir, 'rated', 'sample', 'manifest.json'), 'utf8')).extra).toMatchObject({ sampler: 'recorded:answer' });
  });
});
