/** The report as data: verdict, notes, every figure's spec (data inline) and table, and the derived metrics. */
import type { BuiltReport } from '../build.js';

export const REPORT_FORMAT = 'selfj-report';

export function toJson(r: BuiltReport): Record<string, unknown> {
  const d = r.data;
  const it = d.items;
  return {
    format: REPORT_FORMAT,
    version: 1,
    title: d.title,
    sources: d.sources,
    verdict: r.verdict,
    notes: d.notes,
    // per-item columns are left out (they can be large); the figures' specs carry what they draw
    items: it ? { n: it.score.length, scoreName: it.scoreName, gradeName: it.gradeName, minGrade: it.minGrade, maxGrade: it.maxGrade, badBelow: it.badBelow, badBelowSource: it.badBelowSource, split: it.split } : undefined,
    evaluation: d.evaluation,
    pairwise: d.pairwise,
    calibration: d.calibration,
    training: d.training,
    external: d.external
      ? { gradeName: d.external.items.gradeName, minGrade: d.external.items.minGrade, maxGrade: d.external.items.maxGrade, badBelow: d.external.items.badBelow, scaleSource: d.external.scaleSource, n: d.external.items.score.length, missing: d.external.missing, evaluation: d.external.evaluation }
      : undefined,
    ranking: d.ranking,
    metaEval: d.metaEval,
    pipeline: d.pipeline,
    model: d.model,
    digitMass: d.digitMass ? { floor: d.digitMass.floor, floorSource: d.digitMass.floorSource, items: d.digitMass.items.length } : undefined,
    figures: r.figures.map((f) => ({ id: f.id, title: f.title, guide: f.guide, caption: f.caption, spec: f.spec, table: f.table, error: f.error })),
  };
}
