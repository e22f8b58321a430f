/** The short summary table `selfj run` and `selfj demo` end with. */
import { describeDigitMass, type DigitMassSummary } from '@selfj/core/stages';
import { type PipelineResult } from '@selfj/core';
import { fmt, table } from '../io/output.js';

export function summaryTable(r: PipelineResult): string {
  const rows: (string | number)[][] = [['stage', 'status', 'records', 'rejected', 'seconds']];
  for (const s of r.stages) rows.push([s.stage, s.status, s.records, s.rejected, s.seconds.toFixed(1)]);
  const out = [table(rows)];
  for (const st of r.stages) {
    const mass = st.detail?.digitMass as DigitMassSummary | undefined;
    if (mass && Object.keys(mass.views).length) out.push('', `${st.stage}: ${describeDigitMass(mass)}`);
  }
  const train = r.stages.find((s) => s.stage === 'train')?.detail as
    | { initialLoss: number; bestLoss: number; bestEpoch: number; initialValPearson?: number; valPearson?: number; validation: boolean }
    | undefined;
  if (train && typeof train.initialLoss === 'number') {
    const on = train.validation ? 'validation' : 'training';
    const pr = train.valPearson !== undefined ? `; validation Pearson with z ${fmt(train.initialValPearson)} -> ${fmt(train.valPearson)}` : '';
    out.push('', `judge training: ${on} loss ${fmt(train.initialLoss)} (untrained = self-evaluation) -> ${fmt(train.bestLoss)} (epoch ${train.bestEpoch})${pr}`);
  }
  else if (train) out.push('', 'judge training: skipped (the backend gives no hidden-state features); the judge is zero-shot');
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
    if (t.bestOfN) {
      m.push([`best-of-N mean label (${t.bestOfN.ids} ids; random ${fmt(t.bestOfN.averageMeanZ, 2)})`, fmt(t.bestOfN.zeroShotPickedMeanZ, 2), fmt(t.bestOfN.pickedMeanZ, 2)]);
    }
    out.push('', table(m));
    out.push('The label z is made by the pipeline itself (self-evaluation with the reference + similarity): these numbers say how well a judge predicts it, not how good the answers are.');
    const x = t.external;
    if (x) {
      const e: (string | number)[][] = [[`test split (vs ${x.field}, ${x.scale.min}..${x.scale.max})`, 'zero-shot self-eval', 'trained judge']];
      e.push(['items with a grade', x.n, x.n]);
      e.push(['Pearson', fmt(x.zeroShot?.pearson), fmt(x.trained?.pearson)]);
      e.push(['Spearman', fmt(x.zeroShot?.spearman), fmt(x.trained?.spearman)]);
      e.push(['AURC (lower is better)', fmt(x.zeroShot?.aurc), fmt(x.trained?.aurc)]);
      e.push([`AUROC bad answers (< ${x.scale.badBelow})`, fmt(x.zeroShot?.auroc), fmt(x.trained?.auroc)]);
      out.push('', table(e));
    }
    const c = a.calibration;
    const tau = c.tau === null ? 'none certified (decline all)' : fmt(c.tau, 2);
    out.push(
      '',
      table([
        ['calibration', `target risk ${c.targetRisk}, delta ${c.delta}, ${c.procedure ?? 'bonferroni'}, n = ${c.n}${c.unit === 'group' ? ` instructions (one sample each, of ${c.itemsGiven})` : ''}`],
        ['tau', tau],
        ['test coverage at tau', fmt(t.selection.coverage, 3)],
        ['test risk at tau', fmt(t.selection.risk, 3)],
        ...(x ? [[`test bad share at tau by ${x.field}`, fmt(x.selection.risk, 3)]] : []),
      ]),
    );
    if (c.tau === null) {
      out.push('No threshold meets the target risk with this confidence on the calibration items, so the judge declines everything (few items, or mostly bad answers).');
    }
  }
  out.push('', `total ${r.seconds.toFixed(1)}s`);
  return out.join('\n');
}
