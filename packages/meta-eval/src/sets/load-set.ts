/**
 * Loading a set: resolve where its files are, read each part's columns through the dataset plugins, and assemble
 * the judge items of its kind. Rows that cannot be used (unreadable, an unknown label, a grade that is not a
 * number) are counted with a reason, never silently dropped.
 */
import { SelfjError, type JudgeItem, type PluginContext, type PluginRegistry } from '@selfj/core';
import { type Preference } from '@selfj/core/metrics';
import { readColumns } from '../data/columns.js';
import { promptSections } from '../data/prometheus-sections.js';
import { resolveSource, type ResolvedPart } from './resolve-source.js';
import type { SetSpec } from './types.js';

export interface GradedItem {
  item: JudgeItem;
  grade: number;
}
export interface LabelledPair {
  a: JudgeItem;
  b: JudgeItem;
  label: Preference;
}
export type SetData =
  | { kind: 'pointwise'; items: GradedItem[] }
  | { kind: 'pairwise'; pairs: LabelledPair[] }
  | { kind: 'ranking'; outputs: { model: string; item: JudgeItem }[]; leaderboard: Map<string, number> }
  | { kind: 'bon'; groups: { instruction: string; candidates: GradedItem[] }[] };

export interface LoadedSet {
  spec: SetSpec;
  /** Where each part was read from. */
  files: Record<string, string[]>;
  data: SetData;
  /** Rows left out, and why (the first few reasons). */
  skipped: number;
  reasons: string[];
}

export interface LoadSetOptions {
  registry: PluginRegistry;
  ctx?: PluginContext;
  dataDir?: string;
  /** Options for hf:// parts (hubUrl, cacheDir, offline, token). */
  hub?: Record<string, unknown>;
  /** Keep only the first N items (pairs, groups) of the set; of a ranking set, the first N instructions with every model's outputs on them. */
  limit?: number;
  signal?: AbortSignal;
}

type Rows = Record<string, string>[];

class Skips {
  count = 0;
  reasons: string[] = [];
  add(n: number, reason: string) {
    if (n <= 0) return;
    this.count += n;
    if (this.reasons.length < 5) this.reasons.push(reason);
  }
}

async function readPart(part: ResolvedPart, o: LoadSetOptions, skips: Skips): Promise<Rows[]> {
  const out: Rows[] = [];
  for (const f of part.files) {
    const datasetOptions = f.pattern ? { ...o.hub, pattern: f.pattern } : {};
    const r = await readColumns(f.uri, part.spec.fields, { registry: o.registry, ctx: o.ctx, datasetOptions, signal: o.signal });
    skips.add(r.unreadable, `${r.unreadable} unreadable row(s) in ${f.label}${r.reasons.length ? `: ${r.reasons[0]}` : ''}`);
    let rows = r.rows;
    for (const [col, values] of Object.entries(part.spec.where ?? {})) rows = rows.filter((row) => values.includes(row[col]));
    out.push(rows);
  }
  return out;
}

const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? NaN : Number(s));

function pointwise(spec: SetSpec, part: ResolvedPart, rows: Rows, skips: Skips): SetData {
  const items: GradedItem[] = [];
  let bad = 0;
  for (const row of rows) {
    const s = part.spec.sections ? promptSections(row.prompt ?? '') : { instruction: row.instruction, response: row.response, reference: row.reference || undefined };
    const grades = Object.keys(row).filter((k) => /^grade/.test(k)).map((k) => num(row[k]));
    if (!s || s.instruction === undefined || s.response === undefined || !grades.length || grades.some((g) => !Number.isFinite(g))) {
      bad++;
      continue;
    }
    const item: JudgeItem = { instruction: s.instruction, response: s.response };
    if (s.reference) item.reference = s.reference;
    items.push({ item, grade: grades.reduce((a, b) => a + b, 0) / grades.length });
  }
  skips.add(bad, `${bad} row(s) of ${spec.name} without an instruction, a response or a numeric grade`);
  return { kind: 'pointwise', items };
}

/** The majority of annotator votes; equal counts go to the vote seen first (as PandaLM's compute_metrics.py does). */
export function majorityVote(votes: string[]): string {
  const counts = new Map<string, number>();
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = votes[0];
  for (const [v, c] of counts) if (c > counts.get(best)!) best = v;
  return best;
}

function pairwise(spec: SetSpec, part: ResolvedPart, rows: Rows, skips: Skips): SetData {
  const labels = part.spec.labels ?? spec.labels ?? {};
  const pairs: LabelledPair[] = [];
  const unknown = new Set<string>();
  let bad = 0;
  for (const row of rows) {
    let instruction = row.instruction;
    let a = row.a;
    let b = row.b;
    let instructionB = instruction;
    if (part.spec.sections) {
      const sa = promptSections(row.prompt ?? '');
      const sb = promptSections(row.promptB ?? '');
      if (!sa || !sb) {
        bad++;
        continue;
      }
      [instruction, a, instructionB, b] = [sa.instruction, sa.response, sb.instruction, sb.response];
    }
    const votes = Object.keys(row).filter((k) => /^vote/.test(k)).map((k) => row[k]);
    const raw = labels['*'] ? '*' : votes.length ? majorityVote(votes) : (row.label ?? '');
    const label = labels[raw.trim()];
    if (!label) {
      unknown.add(raw);
      continue;
    }
    if (instruction === undefined || a === undefined || b === undefined) {
      bad++;
      continue;
    }
    pairs.push({ a: { instruction, response: a }, b: { instruction: instructionB, response: b }, label });
  }
  const unknownCount = rows.length - pairs.length - bad;
  skips.add(unknownCount, `${unknownCount} row(s) of ${spec.name} with a label outside ${JSON.stringify(Object.keys(labels))}: ${[...unknown].slice(0, 5).map((u) => JSON.stringify(u)).join(', ')}`);
  skips.add(bad, `${bad} row(s) of ${spec.name} whose prompt has no instruction/response sections`);
  return { kind: 'pairwise', pairs };
}

function ranking(spec: SetSpec, outputs: Rows, board: Rows, skips: Skips): SetData {
  const leaderboard = new Map<string, number>();
  for (const r of board) {
    const w = num(r.winRate);
    if (r.model && Number.isFinite(w)) leaderboard.set(r.model, w);
    else skips.add(1, `${spec.name}: leaderboard row without a model name or a numeric win rate`);
  }
  const out = outputs.filter((r) => r.model && r.instruction !== undefined && r.response !== undefined);
  skips.add(outputs.length - out.length, `${spec.name}: output rows without a model, instruction or response`);
  return { kind: 'ranking', outputs: out.map((r) => ({ model: r.model, item: { instruction: r.instruction, response: r.response } })), leaderboard };
}

function bon(spec: SetSpec, outputs: Rows[], annotations: Rows[], skips: Skips): SetData {
  const n = outputs[0]?.length ?? 0;
  if (outputs.length !== annotations.length || outputs.some((o) => o.length !== n) || annotations.some((a) => a.length !== n)) {
    throw new SelfjError('BAD_INPUT', `${spec.name}: the candidate files must all have the same rows (outputs ${outputs.map((o) => o.length).join('/')}, annotations ${annotations.map((a) => a.length).join('/')}).`, {
      solutions: ['Use complete copies of the files (re-download them).'],
    });
  }
  const groups: { instruction: string; candidates: GradedItem[] }[] = [];
  for (let i = 0; i < n; i++) {
    const instruction = outputs[0][i].instruction;
    const candidates: GradedItem[] = [];
    for (let k = 0; k < outputs.length; k++) {
      if (outputs[k][i].instruction !== instruction || annotations[k][i].instruction !== instruction) {
        throw new SelfjError('BAD_INPUT', `${spec.name}: row ${i} of candidate file ${k} is another instruction than row ${i} of file 0; the files are not aligned.`, {
          solutions: ['Use the files of one revision, unmodified.'],
        });
      }
      // AlpacaEval: preference 1 = the reference output wins, 2 = the model's, 1.5 = a draw
      candidates.push({ item: { instruction, response: outputs[k][i].response }, grade: num(annotations[k][i].preference) - 1 });
    }
    if (candidates.some((c) => !Number.isFinite(c.grade))) skips.add(1, `${spec.name}: instruction ${i} has a candidate without a preference`);
    else groups.push({ instruction, candidates });
  }
  return { kind: 'bon', groups };
}

/** Ranking: the first N distinct instructions (in file order) and every model's outputs on them. */
function firstInstructions(outputs: { model: string; item: JudgeItem }[], limit: number): { model: string; item: JudgeItem }[] {
  const kept = new Set<string>();
  for (const o of outputs) {
    if (kept.size >= limit) break;
    kept.add(o.item.instruction);
  }
  return outputs.filter((o) => kept.has(o.item.instruction));
}

function limited(data: SetData, limit?: number): SetData {
  if (limit === undefined) return data;
  switch (data.kind) {
    case 'pointwise':
      return { ...data, items: data.items.slice(0, limit) };
    case 'pairwise':
      return { ...data, pairs: data.pairs.slice(0, limit) };
    case 'bon':
      return { ...data, groups: data.groups.slice(0, limit) };
    case 'ranking':
      return { ...data, outputs: firstInstructions(data.outputs, limit) };
  }
}

export async function loadSet(spec: SetSpec, o: LoadSetOptions): Promise<LoadedSet> {
  const parts = resolveSource(spec, o.dataDir);
  const skips = new Skips();
  const need = (name: string) => {
    const p = parts[name];
    if (!p) throw new SelfjError('BAD_CONFIG', `Set "${spec.name}" (${spec.kind}) needs a part named "${name}".`);
    return p;
  };
  const read = async (name: string) => readPart(need(name), o, skips);
  let data: SetData;
  if (spec.kind === 'pointwise') data = pointwise(spec, need('rows'), (await read('rows')).flat(), skips);
  else if (spec.kind === 'pairwise') data = pairwise(spec, need('rows'), (await read('rows')).flat(), skips);
  else if (spec.kind === 'ranking') data = ranking(spec, (await read('outputs')).flat(), (await read('leaderboard')).flat(), skips);
  else data = bon(spec, await read('outputs'), await read('annotations'), skips);
  return {
    spec,
    files: Object.fromEntries(Object.entries(parts).map(([k, p]) => [k, p.files.map((f) => f.label)])),
    data: limited(data, o.limit),
    skipped: skips.count,
    reasons: skips.reasons,
  };
}
