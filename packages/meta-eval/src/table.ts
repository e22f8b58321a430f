/**
 * The terminal table: one block per set, our judges' rows and then the numbers the set's authors published
 * (marked, with the source as a numbered note), followed by each set's tie rule and anything left out.
 */
import type { MetaEvalResult } from './result.js';

const COUNTS = new Set(['judgeTies', 'models', 'groups']);

function fmt(name: string, v: number | null): string {
  if (v === null || v === undefined) return `${name} n/a`;
  if (COUNTS.has(name)) return `${name} ${v}`;
  if (name === 'bestThreshold') return `${name} ${v.toFixed(2)}`;
  return `${name} ${v.toFixed(3)}`;
}

function pad(rows: string[][]): string[] {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(w[c]))).join('  ').trimEnd());
}

export function renderTable(result: MetaEvalResult): string {
  const rows: string[][] = [['Set', 'Judge', 'Ref', 'N', 'Metrics']];
  const notes: string[] = [];
  const sources: string[] = [];
  for (const set of result.sets) {
    if (set.error) {
      rows.push([set.name, '-', '', '', `not loaded: ${set.error.split('\n')[0]}`]);
      continue;
    }
    for (const r of result.rows.filter((x) => x.set === set.name)) {
      const metrics = r.status === 'ok' ? Object.entries(r.metrics).map(([k, v]) => fmt(k, v)).join('  ') : `${r.status}: ${r.reason ?? ''}`;
      const n = r.status === 'ok' ? `${r.n}${r.rejected ? ` (-${r.rejected})` : ''}` : '';
      rows.push([set.name, r.judge, r.usesReference ? 'yes' : r.usesReference === false ? 'no' : '', n, metrics]);
    }
    for (const p of set.published) {
      let k = sources.indexOf(p.source);
      if (k < 0) k = sources.push(p.source) - 1;
      rows.push([set.name, `${p.judge} (published)`, '', '', `${fmt(p.metric, p.value)}  [${k + 1}]`]);
    }
    notes.push(`${set.name}: ${set.protocol}; ties: ${set.tieRule}`);
    if (set.skipped) notes.push(`${set.name}: ${set.skipped} row(s) left out: ${set.reasons.join('; ')}`);
  }
  const out = pad(rows);
  out.splice(1, 0, '-'.repeat(Math.min(120, Math.max(...out.map((l) => l.length)))));
  const lines = [...out, ''];
  if (sources.length) lines.push('Published numbers:', ...sources.map((s, i) => `  [${i + 1}] ${s}`), '');
  lines.push('Protocols and ties:', ...notes.map((n) => `  ${n}`));
  const rejected = result.rows.filter((r) => r.rejected && r.firstRejection);
  if (rejected.length) lines.push('', 'Items a judge rejected (left out of its metrics):', ...rejected.map((r) => `  ${r.set} x ${r.judge}: ${r.rejected}, e.g. ${r.firstRejection!.split('\n')[0]}`));
  return `${lines.join('\n')}\n`;
}
