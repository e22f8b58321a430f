/**
 * The same risk–coverage and scatter, against the data's external grade (a run's config grade.field, e.g.
 * gpt4_score) instead of the self-made label z: the label is the method's own target, the external grade is what a
 * user trusts. The figures are the label-z ones drawn on the items that carry the grade, so nothing is computed
 * twice in two ways.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from '../model.js';
import { fmt, pct } from './common.js';
import { riskCoverageFigure, tauPoints } from './risk-coverage.js';
import { scatterFigure } from './scatter-training.js';
import type { Figure } from './types.js';

/**
 * The report data as seen against the external grade. tau was calibrated on the label z, so only where it lands
 * on these items is kept (not the calibration split's point and bound, which are label-z numbers).
 */
export function againstExternal(data: ReportData): ReportData | undefined {
  const ext = data.external;
  if (!ext) return undefined;
  const c = data.calibration;
  return {
    ...data,
    items: ext.items,
    evaluation: { ...ext.evaluation, from: 'items' },
    calibration: c ? { ...c, coverage: undefined, selectedRisk: undefined, riskUpperBound: undefined, test: undefined } : undefined,
  };
}

function scale(data: ReportData): string {
  const it = data.external!.items;
  return `${it.gradeName} on its scale ${it.minGrade} to ${it.maxGrade}${data.external!.scaleSource === 'default' ? ' (the config default: the inputs do not record it)' : ''}`;
}

function counted(data: ReportData): string {
  const e = data.external!;
  const split = e.items.split ? `${e.items.split}-split ` : '';
  return `${e.items.score.length} ${split}items carry ${e.items.gradeName}${e.missing ? ` (${e.missing} do not and are left out)` : ''}`;
}

export const riskCoverageExternalFigure: Figure = {
  id: 'risk-coverage-external',
  title: 'Risk–coverage against the external grade',
  guide: 'The same curves with bad = the external grade below its cut: a judge trained on the self-made label is useful only if it also stays under the random line here.',
  build(data): TopLevelSpec | null {
    const d = againstExternal(data);
    return d ? riskCoverageFigure.build(d) : null;
  },
  caption(data) {
    const d = againstExternal(data);
    if (!d) return undefined;
    const it = d.items!;
    const parts = [`Bad = ${it.gradeName} below ${it.badBelow} (${scale(data)}); ${counted(data)}.`];
    const c = d.calibration;
    if (c && c.tau !== null) {
      const at = tauPoints(d).at(-1); // the judge's curve only, not every series again
      if (at) parts.push(`tau = ${fmt(c.tau, 2)} was calibrated against the label z (target risk ${c.targetRisk}); on these items it answers ${pct(at.coverage)} with a bad share of ${fmt(at.risk)} by ${it.gradeName}.`);
    } else if (c) {
      parts.push('No tau is certified: the judge declines everything.');
    }
    return parts.join(' ');
  },
};

export const scatterExternalFigure: Figure = {
  id: 'scatter-external',
  title: 'Judge score against the external grade',
  guide: 'One point per item that carries the external grade; a rising cloud means the judge agrees with the grade the data came with, not only with the self-made label.',
  build(data): TopLevelSpec | null {
    const d = againstExternal(data);
    return d ? scatterFigure.build(d) : null;
  },
  caption(data) {
    const d = againstExternal(data);
    if (!d) return undefined;
    const stats = scatterFigure.caption!(d);
    return [stats, `${counted(data)}.`].filter(Boolean).join(' ');
  },
};
