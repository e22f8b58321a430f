/**
 * `selfj meta-eval` results: per set kind (pointwise, pairwise, ranking, best-of-N), one panel per set with a bar
 * per judge of the set's primary metric, and the numbers the set's authors published as diamonds (only those the
 * result carries, for the same metric; their sources numbered in the caption). A table lists every number.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { MetaEvalInfo, MetaEvalRow, MetaEvalSet, ReportData } from '../model.js';
import { fmt, q, SCHEMA, WIDTH } from './common.js';
import type { Cell, Figure, Table } from './types.js';

export const META_EVAL_KINDS = ['pointwise', 'pairwise', 'ranking', 'bon'] as const;
const CORRELATIONS = new Set(['pearson', 'spearman', 'kendallTauB']);
const COUNTS = new Set(['judgeTies', 'models', 'groups']);
/** Room for the judge names left of the bars. */
const LABEL_WIDTH = 300;
const PLOT_WIDTH = 380;
const REASON_CHARS = 60;

export interface MetaEvalBar {
  /** The facet: set name and its primary metric. */
  panel: string;
  set: string;
  /** The y label: the judge, or "<judge>, published [k]", or a best-of-N baseline. */
  label: string;
  who: 'judge' | 'published' | 'baseline';
  judge: string;
  value: number | null;
  /** Where the value's text goes (the value, or the axis start for a row without one). */
  textX: number;
  text: string;
}

/** The sets of one kind that were loaded and have a primary metric, in the result's order. */
function setsOf(m: MetaEvalInfo, kind: string | undefined): MetaEvalSet[] {
  const known = new Set<string>(META_EVAL_KINDS);
  return m.sets.filter((s) => !s.error && s.primary && (kind === undefined ? !known.has(s.kind) : s.kind === kind));
}

/** Every published source the given sets draw, numbered from 1 in order of appearance. */
export function publishedSources(sets: MetaEvalSet[]): string[] {
  const out: string[] = [];
  for (const s of sets) for (const p of s.published) if (p.metric === s.primary && !out.includes(p.source)) out.push(p.source);
  return out;
}

const panelOf = (s: MetaEvalSet) => `${s.name} · ${s.primary}`;

function rowText(r: MetaEvalRow): string {
  const why = r.reason ? `: ${r.reason.split('\n')[0].slice(0, REASON_CHARS)}` : '';
  return r.status === 'ok' ? 'n/a (undefined)' : `n/a (${r.status}${why})`;
}

/** The bars, published marks and baselines of one kind, and the x range that holds them. */
export function metaEvalBars(m: MetaEvalInfo, kind: string | undefined) {
  const sets = setsOf(m, kind);
  // numbered over the whole result, so [k] names the same source in every figure and in the table
  const sources = publishedSources(m.sets.filter((s) => !s.error && s.primary));
  const correlation = sets.some((s) => CORRELATIONS.has(s.primary));
  let lo = correlation ? -1 : 0;
  let hi = 1;
  const bars: MetaEvalBar[] = [];
  for (const s of sets) {
    const panel = panelOf(s);
    const rows = m.rows.filter((r) => r.set === s.name);
    for (const r of rows) {
      const v = r.status === 'ok' ? (r.metrics[s.primary] ?? null) : null;
      bars.push({ panel, set: s.name, label: r.judge, who: 'judge', judge: r.judge, value: v, textX: v ?? lo, text: v === null ? rowText(r) : fmt(v) });
    }
    if (s.kind === 'bon') {
      // a uniform random pick and the oracle pick of the same samples: what the judge's pick sits between
      const ok = rows.find((r) => r.status === 'ok');
      for (const [key, label] of [['random', 'random pick'], ['oracle', 'oracle pick']] as const) {
        const v = ok?.metrics[key];
        if (typeof v === 'number') bars.push({ panel, set: s.name, label, who: 'baseline', judge: label, value: v, textX: v, text: fmt(v) });
      }
    }
    for (const p of s.published) {
      if (p.metric !== s.primary) continue;
      const label = `${p.judge} (published) [${sources.indexOf(p.source) + 1}]`;
      bars.push({ panel, set: s.name, label, who: 'published', judge: p.judge, value: p.value, textX: p.value, text: fmt(p.value) });
    }
  }
  for (const b of bars) {
    if (b.value === null) continue;
    lo = Math.min(lo, b.value);
    hi = Math.max(hi, b.value);
  }
  for (const b of bars) if (b.value === null) b.textX = lo;
  return { sets, sources, bars, domain: [lo, hi] as [number, number] };
}

function spec(data: ReportData, kind: string | undefined): TopLevelSpec | null {
  const m = data.metaEval;
  if (!m) return null;
  const { sets, bars, domain } = metaEvalBars(m, kind);
  if (!bars.length) return null;
  const primaries = [...new Set(sets.map((s) => s.primary))];
  const judges = [...new Set(bars.filter((b) => b.who === 'judge' && b.value !== null).map((b) => b.judge))];
  // one panel per set, each with its own rows (a facet with layers would make vega-lite guess the y domains)
  const panels = sets.flatMap((s, i) => {
    const rows = bars.filter((b) => b.set === s.name);
    if (!rows.length) return [];
    const last = i === sets.length - 1;
    const X = q('value', `primary metric (${primaries.join(', ')})`, { scale: { domain, nice: false }, axis: last ? {} : { title: null } });
    // the rows in the result's order: judges (with or without a value), baselines, published numbers
    const Y = { field: 'label', type: 'nominal', title: null, scale: { domain: [...new Set(rows.map((r) => r.label))] }, axis: { labelLimit: LABEL_WIDTH - 8, minExtent: LABEL_WIDTH, maxExtent: LABEL_WIDTH } };
    const of = (who: MetaEvalBar['who']) => rows.filter((r) => r.who === who && r.value !== null);
    const layer: Record<string, unknown>[] = [];
    if (of('judge').length) {
      layer.push({
        name: `series_${i}`,
        data: { values: of('judge') },
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: { y: Y, x: X, color: { field: 'judge', type: 'nominal', scale: { domain: judges }, legend: { title: null, columns: 3 } } },
      });
    }
    if (of('baseline').length) {
      layer.push({ name: `baseline_${i}`, data: { values: of('baseline') }, mark: { type: 'point', shape: 'circle', filled: false, size: 70, strokeWidth: 2, color: '#555' }, encoding: { y: Y, x: X } });
    }
    if (of('published').length) {
      layer.push({ name: `published_${i}`, data: { values: of('published') }, mark: { type: 'point', shape: 'diamond', filled: true, size: 90, color: '#111' }, encoding: { y: Y, x: X } });
    }
    // the value beside each mark (left of a negative bar's end), or why a judge has none
    const text = (values: MetaEvalBar[], right: boolean) => ({ data: { values }, mark: { type: 'text', align: right ? 'right' : 'left', dx: right ? -6 : 6, fontSize: 10, color: '#333' }, encoding: { y: Y, x: { ...X, field: 'textX' }, text: { field: 'text' } } });
    const left = rows.filter((r) => r.value !== null && r.value < 0);
    layer.push(text(rows.filter((r) => !left.includes(r)), false));
    if (left.length) layer.push(text(left, true));
    return [{ title: { text: panelOf(s), anchor: 'start', fontSize: 12, fontWeight: 'normal', limit: WIDTH }, width: PLOT_WIDTH, height: { step: 18 }, layer }];
  });
  return { $schema: SCHEMA, vconcat: panels, spacing: 16, resolve: { scale: { x: 'shared', y: 'independent', color: 'shared' } } } as unknown as TopLevelSpec;
}

function caption(data: ReportData, kind: string | undefined): string | undefined {
  const m = data.metaEval;
  if (!m) return undefined;
  const { sets, sources, bars } = metaEvalBars(m, kind);
  if (!bars.length) return undefined;
  const parts = [`${sets.length} set(s); the bar is each judge's primary metric of the set (${sets.map((s) => `${s.name}: ${s.primary}`).join(', ')}).`];
  const used = sources.map((src, i) => ({ src, k: i + 1, on: sets.filter((s) => s.published.some((p) => p.metric === s.primary && p.source === src)).map((s) => s.name) })).filter((u) => u.on.length);
  if (used.length) {
    const where = used.map((u) => `[${u.k}] ${u.src} (${u.on.join(', ')})`);
    parts.push(`Diamonds: numbers the sets' authors published, from ${where.join('; ')}.`);
  } else {
    parts.push('The result carries no published number for these sets and metrics, so none is drawn.');
  }
  const missing = bars.filter((b) => b.who === 'judge' && b.value === null).length;
  if (missing) parts.push(`${missing} judge row(s) have no value (skipped, failed or undefined; the reason is beside the row and in the table).`);
  return parts.join(' ');
}

function kindFigure(id: string, kind: string | undefined, title: string, guide: string): Figure {
  return { id, title, guide, build: (d) => spec(d, kind), caption: (d) => caption(d, kind) };
}

export const metaEvalPointwiseFigure = kindFigure(
  'meta-eval-pointwise',
  'pointwise',
  'Meta-evaluation: pointwise sets',
  "Each bar is a judge's correlation with the set's grades (higher is better, 0 is no relation), one panel per set; diamonds are what the set's authors published.",
);
export const metaEvalPairwiseFigure = kindFigure(
  'meta-eval-pairwise',
  'pairwise',
  'Meta-evaluation: pairwise sets',
  "Each bar is a judge's agreement with the human preference, one panel per set; on two-way sets 0.5 is a coin toss (lower where ties are a class); diamonds are published numbers.",
);
export const metaEvalRankingFigure = kindFigure(
  'meta-eval-ranking',
  'ranking',
  'Meta-evaluation: model ranking',
  "Each bar is how closely the models ranked by the judge's mean score follow the leaderboard (rank correlation, 1 = the same order); diamonds are published numbers.",
);
export const metaEvalBonFigure = kindFigure(
  'meta-eval-bon',
  'bon',
  'Meta-evaluation: best-of-N',
  "Each bar is the win rate of the judge's pick among the samples; the hollow circles are a uniform random pick and the oracle pick, which a useful judge lies between; diamonds are published numbers.",
);
export const metaEvalOtherFigure = kindFigure('meta-eval-other', undefined, 'Meta-evaluation: other sets', "Each bar is a judge's primary metric of the set, one panel per set; diamonds are published numbers.");

function metricText(name: string, v: number | null): string {
  if (v === null) return `${name} n/a`;
  if (COUNTS.has(name)) return `${name} ${v}`;
  return `${name} ${fmt(v, name === 'bestThreshold' ? 2 : 3)}`;
}

export const metaEvalTableFigure: Figure = {
  id: 'meta-eval',
  title: 'Meta-evaluation: every number',
  guide: 'Every set and judge with all its metrics, and the published numbers with their sources; a set that could not be loaded says why.',
  build: () => null,
  caption(data) {
    const m = data.metaEval;
    if (!m) return undefined;
    const rules = m.sets.filter((s) => !s.error && (s.protocol || s.tieRule)).map((s) => `${s.name}: ${[s.protocol, s.tieRule ? `ties: ${s.tieRule}` : ''].filter(Boolean).join('; ')}`);
    const when = m.createdAt ? `Measured ${m.createdAt}. ` : '';
    return `${when}${rules.length ? `Protocols: ${rules.join(' | ')}.` : ''}`.trim() || undefined;
  },
  table(data): Table | null {
    const m = data.metaEval;
    if (!m) return null;
    const sources = publishedSources(m.sets.filter((s) => !s.error && s.primary));
    const rows: Cell[][] = [];
    for (const s of m.sets) {
      if (s.error) {
        rows.push([s.name, s.kind, '', '', `not loaded: ${s.error.split('\n')[0]}`, '', '', '', '', '']);
        continue;
      }
      for (const r of m.rows.filter((x) => x.set === s.name)) {
        const status = r.status === 'ok' ? 'ok' : `${r.status}${r.reason ? `: ${r.reason.split('\n')[0]}` : ''}`;
        const others = Object.entries(r.metrics).filter(([k]) => k !== s.primary).map(([k, v]) => metricText(k, v)).join(', ');
        const ref = r.usesReference === undefined ? '' : r.usesReference ? 'yes' : 'no';
        const n = r.status === 'ok' ? `${r.n}${r.rejected ? ` (-${r.rejected})` : ''}` : '';
        rows.push([s.name, s.kind, r.judge, ref, status, n, s.primary, r.status === 'ok' ? fmt(r.metrics[s.primary]) : '', others, '']);
      }
      for (const p of s.published) {
        const k = sources.indexOf(p.source);
        rows.push([s.name, s.kind, `${p.judge} (published)`, '', 'published', '', p.metric, fmt(p.value), '', k >= 0 ? `[${k + 1}] ${p.source}` : p.source]);
      }
    }
    // rows of sets the result does not describe (defensive: a hand-edited file)
    for (const r of m.rows.filter((x) => !m.sets.some((s) => s.name === x.set))) {
      rows.push([r.set, '', r.judge, '', r.status, r.n, '', '', Object.entries(r.metrics).map(([k, v]) => metricText(k, v)).join(', '), '']);
    }
    if (!rows.length) return null;
    return { columns: ['set', 'kind', 'judge', 'reference', 'status', 'items (rejected)', 'primary metric', 'value', 'other metrics', 'published source'], rows };
  },
};
