/**
 * Real sets end to end: the shared real fixtures placed as a user would (--data-dir) or served by the loopback
 * fake Hub at the preset's pinned revision (hf:// path), through the real dataset plugins.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pairwiseAgreement, type Preference } from '@selfj/core/metrics';
import { pearson, spearman, kendallTauB } from '@selfj/core/stats';
import { PRESETS, runMetaEval, renderTable, type SetSpec } from '../src/index.js';
import { fixture, jsonl, place, setup, vectorsPath, type AlpacaRow, type Env, type LlmbarRow } from './helpers.js';

let env: Env;
beforeEach(async () => (env = await setup()));
afterEach(() => env.done());

const preset = (name: string) => PRESETS.find((s) => s.name === name)!;
const llmbar = () => fixture<LlmbarRow>('llmbar_natural_pairwise.dev.jsonl');

/** Length agreement computed here, independently of the package: longer output wins, equal lengths count one half. */
function lengthAccuracy(rows: LlmbarRow[]): number {
  const a = rows.map((r) => r.output_1.length);
  const b = rows.map((r) => r.output_2.length);
  return pairwiseAgreement(a, b, rows.map((r): Preference => (r.label === 1 ? 'a' : 'b'))).agreementTiesHalf;
}

describe('LLMBar Natural (real fixture)', () => {
  it('from --data-dir in the GitHub layout: length and word-count baselines, beside the published GPT-4 number', async () => {
    const rows = llmbar();
    place(env.dir, 'princeton-nlp/LLMBar', 'Dataset/LLMBar/Natural/dataset.json', JSON.stringify(rows.map(({ idx: _i, ...r }) => r)));
    const r = await runMetaEval({ registry: env.registry, sets: ['llmbar-natural'], judges: ['length', 'length:words'], dataDir: env.dir });
    expect(r.sets[0]).toMatchObject({ name: 'llmbar-natural', items: rows.length, skipped: 0, protocol: 'llmbar-accuracy' });
    expect(r.sets[0].files.rows[0]).toContain(join('princeton-nlp', 'LLMBar', 'Dataset'));
    const len = r.rows.find((x) => x.judge === 'length')!;
    expect(len).toMatchObject({ status: 'ok', n: rows.length, rejected: 0 });
    expect(len.metrics.accuracy).toBeCloseTo(lengthAccuracy(rows), 12);
    expect(r.rows.find((x) => x.judge === 'length:words')!.status).toBe('ok');
    const table = renderTable(r);
    expect(table).toMatch(/llmbar-natural\s+length\s+no\s+96\s+accuracy 0\.\d{3}/);
    expect(table).toContain('GPT-4 (Vanilla) (published)');
    expect(table).toContain('accuracy 0.955');
    expect(table).toContain('equal scores count one half');
  });

  it('from the Hub (loopback fake Hub at the pinned RewardBench revision): the same pairs, other subsets filtered out', async () => {
    const rows = llmbar();
    const other = fixture<AlpacaRow>('alpaca_gpt4_instruction_reference.dev.jsonl').slice(0, 20);
    const file = join(env.dir, 'filtered.parquet');
    const prompt = [...rows.map((r) => r.input), ...other.map((o) => o.instruction)];
    const chosen = [...rows.map((r) => (r.label === 1 ? r.output_1 : r.output_2)), ...other.map((o) => o.output)];
    const rejected = [...rows.map((r) => (r.label === 1 ? r.output_2 : r.output_1)), ...other.map(() => 'no')];
    const subset = [...rows.map(() => 'llmbar-natural'), ...other.map(() => 'alpacaeval-easy')];
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'prompt', data: prompt, type: 'STRING' },
        { name: 'chosen', data: chosen, type: 'STRING' },
        { name: 'rejected', data: rejected, type: 'STRING' },
        { name: 'subset', data: subset, type: 'STRING' },
      ],
      rowGroupSize: 40,
    });
    const part = preset('llmbar-natural').sources[1].parts.rows;
    // the fake Hub resolves the pinned commit as a branch name to its own commit
    env.hub.commit('dataset', part.repo, { [part.files[0]]: await readFile(file), 'README.md': '# card' }, part.revision);
    const r = await runMetaEval({ registry: env.registry, sets: ['llmbar-natural'], judges: ['length'], hub: env.hubOptions });
    expect(r.sets[0], JSON.stringify(r.sets[0])).toMatchObject({ items: rows.length, skipped: 0 });
    expect(r.sets[0].files.rows[0]).toBe(`allenai/reward-bench@${part.revision!.slice(0, 12)}/data/filtered-00000-of-00001.parquet`);
    // position does not matter to an independent rater: the same accuracy as the GitHub layout
    expect(r.rows[0].metrics.accuracy).toBeCloseTo(lengthAccuracy(rows), 12);
    expect(env.hub.requests.map((q) => q.url).join(' ')).toContain('/api/datasets/allenai/reward-bench/');
  });

  it('a set that is nowhere says which files to place where; the other sets still run', async () => {
    place(env.dir, 'princeton-nlp/LLMBar', 'Dataset/LLMBar/Natural/dataset.json', JSON.stringify(llmbar().slice(0, 10)));
    const r = await runMetaEval({ registry: env.registry, sets: ['autoj-pairwise', 'llmbar-natural'], judges: ['length'], dataDir: env.dir });
    expect(r.sets[0].error).toMatch(/GAIR-NLP\/auto-j\/data\/test\/testdata_pairwise\.jsonl/);
    expect(r.sets[1]).toMatchObject({ items: 10 });
    expect(renderTable(r)).toMatch(/autoj-pairwise\s+-\s+not loaded/);
  });
});

describe('pointwise: Auto-J single ratings (real fixture) as a set definition', () => {
  const rows = fixture<{ query: string; response: string; gpt4_score: number }>('autoj_single_gpt4_rated.dev.jsonl');
  const def = (): SetSpec => ({
    name: 'autoj-single',
    title: 'Auto-J single-response GPT-4 ratings',
    kind: 'pointwise',
    protocol: 'correlation',
    paper: 'test',
    sources: [{ parts: { rows: { host: 'github', repo: 'local/autoj', files: ['single.jsonl'], fields: { instruction: 'query', response: 'response', grade: 'gpt4_score' } } } }],
    published: [],
  });

  it('length: Pearson, Spearman and Kendall equal core statistics on the raw columns', async () => {
    place(env.dir, 'local/autoj', 'single.jsonl', jsonl(rows));
    const r = await runMetaEval({ registry: env.registry, sets: [def()], judges: ['length'], dataDir: env.dir });
    const len = rows.map((x) => x.response.length);
    const g = rows.map((x) => x.gpt4_score);
    expect(r.rows[0]).toMatchObject({ status: 'ok', n: rows.length });
    expect(r.rows[0].metrics.pearson).toBeCloseTo(pearson(len, g), 12);
    expect(r.rows[0].metrics.spearman).toBeCloseTo(spearman(len, g), 12);
    expect(r.rows[0].metrics.kendallTauB).toBeCloseTo(kendallTauB(len, g), 12);
  });

  it('recorded scores ("scores:<file>#<field>") reproduce the grader exactly; missing items are rejected alone', async () => {
    place(env.dir, 'local/autoj', 'single.jsonl', jsonl(rows));
    const scores = place(env.dir, 'recorded', 'gpt4.jsonl', jsonl(rows.slice(10).map((x) => ({ instruction: x.query, response: x.response, s: x.gpt4_score }))));
    const r = await runMetaEval({ registry: env.registry, sets: [def()], judges: [`scores:${scores}#s`], dataDir: env.dir });
    // the real file repeats some (query, response) pairs with different ratings: a recorded score is the last one seen
    const recorded = new Map(rows.slice(10).map((x) => [`${x.query}\u0000${x.response}`, x.gpt4_score]));
    const found = rows.filter((x) => recorded.has(`${x.query}\u0000${x.response}`));
    expect(r.rows[0]).toMatchObject({ status: 'ok', rejected: rows.length - found.length, n: found.length });
    expect(r.rows[0].metrics.pearson).toBeCloseTo(pearson(found.map((x) => recorded.get(`${x.query}\u0000${x.response}`)!), found.map((x) => x.gpt4_score)), 12);
    expect(r.rows[0].metrics.pearson).toBeGreaterThan(0.99);
    expect(r.rows[0].firstRejection).toMatch(/has no recorded "s"/);
  });

  it('perplexity on a backend without scoreContinuation is skipped with that reason; similarity needs references', async () => {
    place(env.dir, 'local/autoj', 'single.jsonl', jsonl(rows.slice(0, 30)));
    env.registry.register({
      name: 'no-logprob-backend',
      backends: {
        async plain(spec) {
          return {
            id: `plain:${spec}`,
            capabilities: () => ({ logprobs: 'none', features: false, embeddings: false, chatTemplate: false }),
            generate: async () => ({ text: '', finishReason: 'stop' }),
            nextTokenProbabilities: async () => [],
            tokenize: async () => [],
            close: async () => undefined,
          };
        },
      },
    });
    const judges = ['perplexity:plain:x', 'length', ...(vectorsPath() ? [`similarity:static:${vectorsPath()}`] : [])];
    const r = await runMetaEval({ registry: env.registry, sets: [def()], judges, dataDir: env.dir });
    const ppl = r.rows.find((x) => x.judge === 'perplexity:plain:x')!;
    expect(ppl).toMatchObject({ status: 'skipped' });
    expect(ppl.reason).toContain('skipped'.length ? 'backend has no scoreContinuation' : '');
    expect(renderTable(r)).toMatch(/perplexity:plain:x\s+skipped: perplexity: plain:x: backend has no scoreContinuation/);
    expect(r.rows.find((x) => x.judge === 'length')!.status).toBe('ok');
    if (vectorsPath()) expect(r.rows.find((x) => x.judge.startsWith('similarity'))!.reason).toMatch(/no reference answers/);
  });
});

describe('Prometheus layout (sections of a rendered prompt) with references', () => {
  it.skipIf(!vectorsPath())('reads instruction/response/reference out of the prompt; similarity uses the reference, length does not', async () => {
    const alpaca = fixture<AlpacaRow>('alpaca_gpt4_instruction_reference.dev.jsonl').slice(0, 60);
    // responses: a growing share of the reference's words; the "GPT-4" grade is that share (1-5)
    const items = alpaca.map((a, i) => {
      const words = a.output.split(/\s+/);
      const share = ((i % 5) + 1) / 5;
      const response = words.slice(0, Math.max(1, Math.round(words.length * share))).join(' ');
      const prompt = `###Task Description:\n...\n\n###The instruction to evaluate:\n${a.instruction}\n\n###Response to evaluate:\n${response}\n\n###Reference Answer (Score 5):\n${a.output}\n\n###Score Rubrics:\n[Helpful?]\nScore 1: no\n\n###Feedback: `;
      return { idx: i, instruction: prompt, gpt4_score: [share * 5, share * 5, share * 5 - 1] };
    });
    const spec = preset('prometheus-vicuna');
    const part = spec.sources[0].parts.rows;
    place(env.dir, part.repo, part.files[0], JSON.stringify(items));
    const r = await runMetaEval({ registry: env.registry, sets: ['prometheus-vicuna'], judges: ['length', `similarity:static:${vectorsPath()}`], dataDir: env.dir });
    expect(r.sets[0]).toMatchObject({ items: 60, skipped: 0 });
    const sim = r.rows.find((x) => x.judge.startsWith('similarity'))!;
    expect(sim).toMatchObject({ status: 'ok', usesReference: true, n: 60 });
    expect(sim.metrics.spearman!).toBeGreaterThan(0.3);
    expect(r.rows.find((x) => x.judge === 'length')!.usesReference).toBe(false);
  });
});

describe('HHH alignment (real fixture) and PandaLM NaN rows', () => {
  it('a chosen/rejected file as a set definition with a constant label', async () => {
    const rows = fixture<{ instruction: string; chosen: string; rejected: string }>('prometheus_hhh_pairwise.dev.jsonl');
    place(env.dir, 'local/hhh', 'hhh.jsonl', jsonl(rows));
    const def: SetSpec = {
      ...preset('hhh-alignment'),
      name: 'hhh-local',
      sources: [{ parts: { rows: { host: 'github', repo: 'local/hhh', files: ['hhh.jsonl'], fields: { instruction: 'instruction', a: 'chosen', b: 'rejected' } } } }],
    };
    const r = await runMetaEval({ registry: env.registry, sets: [def], judges: ['length'], dataDir: env.dir });
    const expected = pairwiseAgreement(rows.map((x) => x.chosen.length), rows.map((x) => x.rejected.length), rows.map((): Preference => 'a')).agreementTiesHalf;
    expect(r.rows[0].metrics.accuracy).toBeCloseTo(expected, 12);
  });

  it('PandaLM: a NaN input (as its file writes missing ones) reads as missing, and the majority vote labels every pair', async () => {
    const spec = preset('pandalm');
    const part = spec.sources[0].parts.rows;
    const text =
      '[{"idx":0,"instruction":"Say hi","input":"to Bob","response1":"Hi Bob!","response2":"Hello","annotator1":1,"annotator2":1,"annotator3":2},\n' +
      '{"idx":1,"instruction":"Count","input":NaN,"response1":"1 2","response2":"1 2 3","annotator1":2,"annotator2":2,"annotator3":2},\n' +
      '{"idx":2,"instruction":"Name a color","input":"","response1":"red","response2":"blue","annotator1":0,"annotator2":1,"annotator3":2}]';
    place(env.dir, part.repo, part.files[0], text);
    const r = await runMetaEval({ registry: env.registry, sets: ['pandalm'], judges: ['length'], dataDir: env.dir });
    expect(r.sets[0]).toMatchObject({ items: 3, skipped: 0 });
    // pair 0: label a (2 of 3), length a (7 > 5) right; pair 1 (input NaN = none): label b (3 of 3), length b (5 > 3)
    // right; pair 2: label tie (first vote), length b (4 > 3) wrong
    expect(r.rows[0].metrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(renderTable(r)).not.toMatch(/unreadable row/);
    // the set's note (in the result JSON and --list --json) says the same as the code does
    expect(r.sets[0].notes.join(' ')).toMatch(/reads NaN as a missing value.*every pair is kept/);
    expect(r.sets[0].notes.join(' ')).not.toMatch(/unreadable|left out/);
  });
});
