// The benchmark's --compare logic on two saved records (one with a regressed train step), directly and through the
// CLI (--render, so no kernel runs): ratios per kernel, the gate on the dispatched cpu rows, the exit status.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../ts/bench/compare.js';
import type { BenchResult } from '../ts/bench/report.js';
import { FIXTURES, NATIVE_ROOT } from './helpers.js';

const load = (f: string) => JSON.parse(readFileSync(path.join(FIXTURES, 'bench', f), 'utf8')) as BenchResult;
const base = load('baseline.json'), regressed = load('regressed.json');
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(NATIVE_ROOT, 'dist', 'bench', 'run.js'), ...args], { encoding: 'utf8' });

describe('bench --compare', () => {
  it('gives baseline/current speed per kernel and flags only gated rows slower than the limit', () => {
    const c = compareResults(base, regressed, 10);
    const row = (k: string, b: string) => c.rows.find((x) => x.kernel === k && x.backend === b);
    expect(row('judgeHeadTrainStep', 'cpu')?.speed).toBeCloseTo(1 / 1.25, 6);
    expect(row('judgeHeadTrainStep', 'cpu')?.regressed).toBe(true);
    expect(row('judgeHeadForward', 'cpu')?.regressed).toBe(false); // 5% slower: inside 10%
    expect(row('cosineMatrix', 'cpu')?.speed).toBeCloseTo(1.25, 6); // faster
    expect(row('cosineRows', 'cpu-avx2')?.regressed).toBe(false); // per-ISA rows are informative, not gated
    expect(row('cosineMatrix', 'js')).toBeUndefined(); // the TS reference is not compared
    expect(c.regressions.map((x) => `${x.kernel}/${x.backend}`)).toEqual(['judgeHeadTrainStep/cpu']);
    expect(compareResults(base, regressed, 30).regressions).toEqual([]);
    expect(compareResults(base, base, 0).regressions).toEqual([]);
  });

  it('warns when the runs come from different machines or shapes', () => {
    const other = { ...regressed, machine: { ...regressed.machine, cpu: 'Other CPU' }, shapes: { ...regressed.shapes, cosineRows: '1 pairs x 1' } };
    const c = compareResults(base, other, 10);
    expect(c.warnings.join('\n')).toMatch(/different machines/);
    expect(c.warnings.join('\n')).toMatch(/cosineRows: shapes differ/);
    expect(c.rows.some((x) => x.kernel === 'cosineRows')).toBe(false);
  });

  it('CLI: exits 1 past --max-regression and prints the ratio; 0 within it; writes the Markdown summary', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'selfj-bench-'));
    const md = path.join(dir, 'summary.md');
    const bad = cli('--render', path.join(FIXTURES, 'bench', 'regressed.json'), '--compare', path.join(FIXTURES, 'bench', 'baseline.json'),
      '--max-regression', '10', '--markdown', md);
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stdout).toMatch(/judgeHeadTrainStep\s+cpu\s+80\.000\s+100\s+0\.800x/);
    expect(bad.stdout).toMatch(/REGRESSION \(> 10%\)/);
    const summary = readFileSync(md, 'utf8');
    expect(summary).toMatch(/\| judgeHeadTrainStep \| cpu \| 80\.000 \| 100 \| 0\.800x \|/);
    expect(summary).toMatch(/1 regression\(s\) beyond 10%/);
    const ok = cli('--render', path.join(FIXTURES, 'bench', 'regressed.json'), '--compare', path.join(FIXTURES, 'bench', 'baseline.json'),
      '--max-regression', '30', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).schema).toBe('selfj-native-bench/2'); // stdout stays pure JSON; the comparison goes to stderr
    expect(ok.stderr).toMatch(/no regression beyond 30%/);
  });
});

describe('bench read roof per input size', () => {
  it('holds each row to the probe of its own input size when the run sampled one, else to the main probe', async () => {
    const { evaluateTargets, probeSanity, readRoof } = await import('../ts/bench/report.js');
    const rows = base.measurements.find((m) => m.kernel === 'cosineRows' && m.backend === 'cpu')!;
    const r: BenchResult = structuredClone(base);
    r.roofline = { ...r.roofline, readGbps: rows.gbps * 0.8, readAtSize: { [String(rows.bytes)]: rows.gbps / 0.95 } };
    expect(readRoof(rows, r.roofline)).toBeCloseTo(rows.gbps / 0.95, 9);
    expect(readRoof({ bytes: 1 }, r.roofline)).toBe(r.roofline.readGbps); // no sample at that size
    evaluateTargets(r);
    expect(r.targets.find((t) => t.check.startsWith('cosineRows cpu'))?.measured).toBeCloseTo(0.95, 9);
    // 25% above the main probe but under its own size's probe: no "faster than the probe" note for it
    expect(probeSanity(r).some((n) => n.startsWith('cosineRows cpu '))).toBe(false);
    const noSizes: BenchResult = { ...r, roofline: { ...r.roofline, readAtSize: undefined } };
    expect(probeSanity(noSizes).some((n) => n.startsWith('cosineRows cpu '))).toBe(true);
  });
});
