/**
 * `--compare <baseline.json> [--max-regression <pct>]`: each native row of this run against the same row of a saved
 * run, as a speed ratio (baseline ms / current ms: above 1 is faster). The gate covers the dispatched CPU rows and
 * CUDA; a row slower than the baseline by more than pct percent is a regression (non-zero exit).
 */
import type { Measurement } from './cases.js';
import { fmt } from './measure.js';
import type { BenchResult } from './report.js';

export interface CompareRow {
  kernel: string;
  backend: string;
  baseMs: number;
  ms: number;
  /** baseMs / ms: 1.25 = 25% faster, 0.8 = 25% slower. */
  speed: number;
  gated: boolean;
  regressed: boolean;
}

export interface Comparison {
  rows: CompareRow[];
  regressions: CompareRow[];
  maxRegressionPct: number;
  /** Set when the runs are from different machines or shapes (ratios then say little). */
  warnings: string[];
}

const gated = (m: Measurement) => m.backend === 'cpu' || m.backend === 'cuda';
const native = (m: Measurement) => gated(m) || m.backend.startsWith('cpu-');

export function compareResults(base: BenchResult, cur: BenchResult, maxRegressionPct = 10): Comparison {
  const warnings: string[] = [];
  if (base.machine?.cpu !== cur.machine?.cpu || (base.machine?.flags ?? []).join() !== (cur.machine?.flags ?? []).join()) {
    warnings.push(`different machines: baseline on "${base.machine?.cpu}", this run on "${cur.machine?.cpu}"`);
  }
  if (base.quick !== cur.quick) warnings.push('one run used --quick sizes and the other did not');
  const limit = 1 / (1 + maxRegressionPct / 100); // slower by more than pct <=> speed below this
  const rows: CompareRow[] = [];
  for (const m of cur.measurements.filter(native)) {
    const b = base.measurements.find((x) => x.kernel === m.kernel && x.backend === m.backend);
    if (!b || !(b.ms > 0) || !(m.ms > 0)) continue;
    if (base.shapes?.[m.kernel] !== cur.shapes?.[m.kernel]) {
      warnings.push(`${m.kernel}: shapes differ (${base.shapes?.[m.kernel]} vs ${cur.shapes?.[m.kernel]}), not compared`);
      continue;
    }
    const speed = b.ms / m.ms;
    rows.push({ kernel: m.kernel, backend: m.backend, baseMs: b.ms, ms: m.ms, speed, gated: gated(m), regressed: gated(m) && speed < limit });
  }
  return { rows, regressions: rows.filter((x) => x.regressed), maxRegressionPct, warnings };
}

/** The comparison as text lines (also used in the Markdown summary). */
export function compareLines(c: Comparison, markdown = false): string[] {
  const head = ['kernel', 'backend', 'baseline ms', 'ms', 'speed (base/now)', 'change', ''];
  const line = (x: CompareRow) => [x.kernel, x.backend, fmt(x.baseMs, 3), fmt(x.ms, 3), `${x.speed.toFixed(3)}x`,
    `${x.speed >= 1 ? '-' : '+'}${Math.abs((1 / x.speed - 1) * 100).toFixed(1)}% time`,
    x.regressed ? `REGRESSION (> ${c.maxRegressionPct}%)` : x.gated ? 'ok' : 'info'];
  const out: string[] = [];
  if (markdown) {
    out.push(`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...c.rows.map((x) => `| ${line(x).join(' | ')} |`));
  } else {
    const w = [20, 12, 12, 10, 17, 14, 0];
    out.push(...[head, ...c.rows.map(line)].map((cells) => cells.map((s, i) => (i < 2 ? s.padEnd(w[i]) : s.padStart(w[i]))).join(' ')));
  }
  for (const wmsg of c.warnings) out.push(`${markdown ? '- ' : ''}warning: ${wmsg}`);
  out.push(`${markdown ? '\n' : ''}${c.regressions.length ? `${c.regressions.length} regression(s) beyond ${c.maxRegressionPct}%` :
    `no regression beyond ${c.maxRegressionPct}%`} (gate: the dispatched cpu rows and cuda)`);
  return out;
}
