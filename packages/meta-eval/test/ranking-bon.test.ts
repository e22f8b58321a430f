/**
 * Model ranking and best-of-N on real instructions and references (the Alpaca fixture), with responses derived
 * from the references by keeping a share of their words, so the right answer is known: the share is the grade.
 * The Hub parts come from the loopback fake Hub at the presets' pinned revisions, the GitHub leaderboard from
 * --data-dir: the mixed resolution a user gets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PRESETS, runMetaEval, renderTable } from '../src/index.js';
import { fixture, place, setup, type AlpacaRow, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => (env = await setup()));
afterEach(() => env.done());

const alpaca = () => fixture<AlpacaRow>('alpaca_gpt4_instruction_reference.dev.jsonl');
const keep = (text: string, share: number) => {
  const w = text.split(/\s+/);
  return w.slice(0, Math.max(1, Math.round(w.length * share))).join(' ');
};

describe('AlpacaEval model ranking', () => {
  it('length ranks models that keep more of the reference exactly like a leaderboard ordered that way', async () => {
    const spec = PRESETS.find((s) => s.name === 'alpacaeval-ranking')!;
    const { outputs, leaderboard } = spec.sources[0].parts;
    const rows = alpaca().slice(0, 60);
    const models = ['m-10', 'm-30', 'm-50', 'm-70', 'm-90'];
    const outs = models.flatMap((m) => rows.map((r) => ({ instruction: r.instruction, output: keep(r.output, Number(m.slice(2)) / 100), generator: m, dataset: 'x' })));
    env.hub.commit('dataset', outputs.repo, { [outputs.files[0]]: JSON.stringify(outs) }, outputs.revision);
    // the leaderboard CSV's first column has an empty header, as AlpacaEval's does; one model has no outputs
    const csv = ',win_rate,standard_error\n' + [...models, 'absent-model'].map((m, i) => `${m},${10 + 15 * i},1.0`).join('\n') + '\n';
    place(env.dir, leaderboard.repo, leaderboard.files[0], csv);
    const r = await runMetaEval({ registry: env.registry, sets: ['alpacaeval-ranking'], judges: ['length'], dataDir: env.dir, hub: env.hubOptions });
    expect(r.sets[0]).toMatchObject({ items: 300, skipped: 0 });
    expect(r.sets[0].files.outputs[0]).toContain('tatsu-lab/alpaca_eval@96c57ee5a328');
    expect(r.rows[0].metrics).toEqual({ spearman: 1, kendallTauB: 1, models: 5 });
    expect(renderTable(r)).toMatch(/alpacaeval-ranking\s+length\s+no\s+300\s+spearman 1\.000\s+kendallTauB 1\.000\s+models 5/);
  });

  it('--limit N keeps the first N instructions and every model\'s outputs on them', async () => {
    const spec = PRESETS.find((s) => s.name === 'alpacaeval-ranking')!;
    const { outputs, leaderboard } = spec.sources[0].parts;
    const rows = alpaca().slice(0, 60);
    const models = ['m-10', 'm-30', 'm-50', 'm-70', 'm-90'];
    // on the first 20 instructions the models keep the reverse shares, so those alone rank them in reverse;
    // over all 60, the 40 others (kept as named) decide the order
    const share = (m: string, i: number) => (i < 20 ? 100 - Number(m.slice(2)) : Number(m.slice(2))) / 100;
    const outs = models.flatMap((m) => rows.map((r, i) => ({ instruction: r.instruction, output: keep(r.output, share(m, i)), generator: m, dataset: 'x' })));
    env.hub.commit('dataset', outputs.repo, { [outputs.files[0]]: JSON.stringify(outs) }, outputs.revision);
    const csv = ',win_rate,standard_error\n' + models.map((m, i) => `${m},${10 + 15 * i},1.0`).join('\n') + '\n';
    place(env.dir, leaderboard.repo, leaderboard.files[0], csv);
    const run = (limit?: number) => runMetaEval({ registry: env.registry, sets: ['alpacaeval-ranking'], judges: ['length'], dataDir: env.dir, hub: env.hubOptions, limit });
    const limited = await run(20);
    expect(limited.sets[0]).toMatchObject({ items: 20 * models.length, skipped: 0 });
    expect(limited.rows[0].metrics).toEqual({ spearman: -1, kendallTauB: -1, models: 5 });
    const all = await run();
    expect(all.sets[0].items).toBe(60 * models.length);
    expect(all.rows[0].metrics).toEqual({ spearman: 1, kendallTauB: 1, models: 5 });
  });
});

describe('AlpacaEval-BoN', () => {
  it('pick, random and oracle win rates from 16 candidate and 16 annotation files', async () => {
    const spec = PRESETS.find((s) => s.name === 'alpacaeval-bon')!;
    const { outputs, annotations } = spec.sources[0].parts;
    // long references, so that the 16 shares of words give 16 different lengths
    const rows = alpaca().filter((r) => r.output.split(/\s+/).length >= 100).slice(0, 40);
    const files: Record<string, string> = {};
    const share = (i: number, k: number) => ((k * 7 + i) % 16) / 15; // a different best candidate per instruction
    for (let k = 0; k < 16; k++) {
      files[outputs.files[k]] = JSON.stringify(rows.map((r, i) => ({ instruction: r.instruction, output: keep(r.output, 0.2 + 0.8 * share(i, k)), generator: `tulu.${k}` })));
      // preference 1 + p: the model's output wins with probability p (AlpacaEval's weighted annotator)
      files[annotations.files[k]] = JSON.stringify(rows.map((r, i) => ({ instruction: r.instruction, output_1: 'ref', output_2: 'x', preference: 1 + share(i, k) })));
    }
    env.hub.commit('dataset', outputs.repo, files, outputs.revision);
    const r = await runMetaEval({ registry: env.registry, sets: ['alpacaeval-bon'], judges: ['length'], hub: env.hubOptions, limit: 30 });
    expect(r.sets[0]).toMatchObject({ items: 30, skipped: 0 });
    const m = r.rows[0].metrics;
    // the longest candidate is the one that kept most words = the best grade; random is the mean share
    expect(m.oracle).toBeCloseTo(1, 12);
    expect(m.winRate).toBeCloseTo(1, 12);
    expect(m.random).toBeCloseTo(0.5, 12);
    expect(m.groups).toBe(30);
  });

  it('candidate files that are not aligned are refused with a clear error', async () => {
    const spec = PRESETS.find((s) => s.name === 'alpacaeval-bon')!;
    const { outputs, annotations } = spec.sources[0].parts;
    const rows = alpaca().slice(0, 5);
    const files: Record<string, string> = {};
    for (let k = 0; k < 16; k++) {
      const order = k === 3 ? [...rows].reverse() : rows;
      files[outputs.files[k]] = JSON.stringify(order.map((r) => ({ instruction: r.instruction, output: r.output })));
      files[annotations.files[k]] = JSON.stringify(rows.map((r) => ({ instruction: r.instruction, preference: 1.5 })));
    }
    env.hub.commit('dataset', outputs.repo, files, outputs.revision);
    const r = await runMetaEval({ registry: env.registry, sets: ['alpacaeval-bon'], judges: ['length'], hub: env.hubOptions });
    expect(r.sets[0].error).toMatch(/row 0 of candidate file 3 is another instruction.*not aligned/s);
  });
});
