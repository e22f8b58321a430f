/**
 * Digit mass: how much next-token probability the ten digits got when the model rated an answer, and whether the
 * backend showed all ten (coverage). A low mass means the score is a renormalised remainder of what the model
 * wanted to say instead; those items are flagged against the floor.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { DigitMassItem, ReportData } from '../model.js';
import { binCounts, fmt, HEIGHT, pct, q, SCHEMA, WIDTH } from './common.js';
import type { Figure, Table } from './types.js';

/** Masses are drawn on a log axis from 1e-8 up; zero (or less) lands in the first bin. */
export const MIN_LOG10_MASS = -8;
const BINS_PER_DECADE = 4;
const FLAGGED_ROWS = 20;

export function digitMassRows(items: DigitMassItem[]) {
  const views = [...new Set(items.map((i) => i.view))];
  let least = 1;
  for (const i of items) if (i.mass < least) least = i.mass;
  const lo = Math.min(-1, Math.max(MIN_LOG10_MASS, Math.floor(Math.log10(Math.max(10 ** MIN_LOG10_MASS, least)))));
  const bins = -lo * BINS_PER_DECADE;
  const rows = views.flatMap((view) => {
    const logs = items.filter((i) => i.view === view).map((i) => Math.log10(Math.max(10 ** MIN_LOG10_MASS, Math.min(1, i.mass))));
    return binCounts(logs, lo, 0, bins)
      .filter((b) => b.count > 0)
      .map((b) => ({ view, lo: 10 ** b.lo, hi: 10 ** b.hi, count: b.count }));
  });
  return { views, rows, lo: 10 ** lo };
}

export function flagged(data: ReportData): DigitMassItem[] {
  const dm = data.digitMass;
  if (!dm) return [];
  return dm.items.filter((i) => i.mass < dm.floor || (i.coverage !== undefined && i.coverage !== 'full'));
}

export const digitMassFigure: Figure = {
  id: 'digit-mass',
  title: 'Digit mass and coverage of the self-evaluation',
  guide: 'How much of the next-token probability the ten digits got when the model rated an answer; mass left of the floor line means the model wanted to say something other than a digit, and its score there is noise.',
  build(data): TopLevelSpec | null {
    const dm = data.digitMass;
    if (!dm || !dm.items.length) return null;
    const { views, rows, lo } = digitMassRows(dm.items);
    const X = q('lo', 'probability mass on the ten digits (log scale)', { scale: { type: 'log', domain: [lo, 1] } });
    return {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      layer: [
        {
          name: 'series',
          data: { values: rows },
          mark: { type: 'rect', opacity: 0.55 },
          encoding: {
            x: X,
            x2: { field: 'hi' },
            y: q('count', 'items'),
            y2: { datum: 0 },
            color: { field: 'view', type: 'nominal', sort: views, legend: { title: null } },
          },
        },
        {
          data: { values: [{ floor: Math.max(lo, dm.floor), label: `floor ${dm.floor}` }] },
          layer: [
            { mark: { type: 'rule', color: '#b3261e', strokeDash: [4, 4] }, encoding: { x: { ...X, field: 'floor' } } },
            { mark: { type: 'text', align: 'right', dx: -4, y: 8, color: '#b3261e' }, encoding: { x: { ...X, field: 'floor' }, text: { field: 'label' } } },
          ],
        },
      ],
    } as unknown as TopLevelSpec;
  },
  caption(data) {
    const dm = data.digitMass;
    if (!dm) return undefined;
    const parts: string[] = [];
    for (const view of new Set(dm.items.map((i) => i.view))) {
      const v = dm.items.filter((i) => i.view === view);
      const below = v.filter((i) => i.mass < dm.floor).length;
      const partial = v.filter((i) => i.coverage !== undefined && i.coverage !== 'full').length;
      parts.push(`${view}: ${below} of ${v.length} items (${pct(below / v.length)}) below the floor, ${partial} with digits hidden by the backend (partial coverage)`);
    }
    const src = dm.floorSource === 'default' ? 'the default floor (scoring.minDigitMass)' : dm.floorSource === 'option' ? 'the floor given as an option' : 'the floor the run applied';
    const gone = (dm.rejected ?? []).map((r) => `the ${r.stage} stage rejected ${r.count} item(s) for too little digit mass (they are not drawn)`);
    return `${[...parts, ...gone].join('; ')}. Floor ${dm.floor} is ${src}.`;
  },
  table(data): Table | null {
    const f = flagged(data);
    if (!f.length) return null;
    return {
      columns: ['item', 'view', 'digit mass', 'coverage', 'hidden digits'],
      rows: f.slice(0, FLAGGED_ROWS).map((i) => [i.id, i.view, fmt(i.mass, 6), i.coverage ?? 'n/a', i.missing?.length ? i.missing.join(' ') : '']),
      note: f.length > FLAGGED_ROWS ? `and ${f.length - FLAGGED_ROWS} more flagged items (the first ${FLAGGED_ROWS} shown)` : undefined,
    };
  },
};
