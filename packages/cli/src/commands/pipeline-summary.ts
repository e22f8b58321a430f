/** The short summary table `selfj run` and `selfj demo` end with. */
import type { PipelineResult } from '@selfj/core';
import { fmt, table } from '../io/output.js';

export function summaryTable(r: PipelineResult): string {
  const rows: (string | number)[][] = [['stage', 'status', 'records', 'rejected', 'seconds']];
  for (const s of r.stages) rows.push([s.stage, s.status, s.records, s.rejected, s.seconds.toFixed(1)]);
  const out = [table(rows)];
  const a = r.assessment;
  if (a) {
    const t = a.test;
    const m: (string | number)[][] = [['test split (vs label z)', 'zero-shot self-eval', 'trained judge']];
    m.push(['items', t.n, t.n]);
    m.push(['Pearson', fmt(t.zeroShot?.pearson), fmt(t.trained?.pearson)]);
    m.push(['Spearman', fmt(t.zeroShot?.spearman), fmt(t.trained?.spearman)]);
    m.push(['Kendall tau-b', fmt(t.zeroShot?.kendallTauB), fmt(t.trained?.kendallTauB)]);
    m.push(['AURC (lower is better)', fmt(t.zeroShot?.aurc), fmt(t.trained?.aurc)]);
    m.push(['AUROC bad answers', fmt(t.zeroShot?.auroc), fmt(t.trained?.auroc)]);
    out.push('', table(m));
    const c = a.calibration;
    const tau = c.tau === null ? 'none certified (decline all)' : fmt(c.tau, 2);
    out.push(
      '',
      table([
        ['calibration', `target risk ${c.targetRisk}, delta ${c.delta}, n = ${c.n}`],
        ['tau', tau],
        ['test coverage at tau', fmt(t.selection.coverage, 3)],
        ['test risk at tau', fmt(t.selection.risk, 3)],
      ]),
    );
  }
  out.push('', `total ${r.seconds.toFixed(1)}s`);
  return out.join('\n');
}
