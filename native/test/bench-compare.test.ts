// The benchmark's --compare logic on two saved records (one with a regressed train step), directly and through the
// CLI (--render, so no kernel runs): ratios per kernel, the gate on the dispatched cpu rows, the exit status.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

describe('bench CUDA memory-bandwidth reference', () => {
  const withCuda = (device: string, deviceGbps: number): BenchResult => ({
    ...structuredClone(base),
    cuda: {
      device,
      hbmGbps: 4800, // what records held for every GPU before the reference came from the device
      rows: (['cosineRows', 'judgeHeadForward', 'judgeHeadTrainStep'] as const).map((kernel) => ({ kernel, hostMs: 2, deviceMs: 1, deviceGbps })),
    },
  });
  const cudaTargets = (r: BenchResult) => r.targets.filter((t) => t.check.includes(' cuda '));

  it('looks the peak up by the device name the addon reports; unknown names (and look-alikes) get none', async () => {
    const { hbmReference } = await import('../ts/bench/hbm.js');
    const peaks: [string, number][] = [
      ['NVIDIA H200', 4800], ['NVIDIA H100 80GB HBM3', 3350], ['NVIDIA H100 PCIe', 2000], ['NVIDIA A100-SXM4-80GB', 2039],
      ['NVIDIA A100 80GB PCIe', 1935], ['NVIDIA A100-SXM4-40GB', 1555], ['NVIDIA A100-PCIE-40GB', 1555], ['NVIDIA L40S', 864],
      ['NVIDIA A10', 600], ['NVIDIA GeForce RTX 4090', 1008],
    ];
    for (const [device, gbps] of peaks) expect(hbmReference(device).gbps, device).toBe(gbps);
    for (const device of ['NVIDIA A10G', 'NVIDIA GeForce RTX 4090 Laptop GPU', 'NVIDIA H100 NVL', 'NVIDIA GH200 480GB', 'NVIDIA B200', '']) {
      const ref = hbmReference(device);
      expect(ref.gbps, device).toBeNull();
      expect(ref.source).toMatch(/pass --hbm-gbps/);
    }
    expect(hbmReference('NVIDIA H200', 4000)).toEqual({ gbps: 4000, source: '--hbm-gbps' }); // the flag wins
  });

  it('holds each GPU to its own peak; an unknown one is n/a with a note, not a comparison with an H200', async () => {
    const { applyHbmReference, evaluateTargets } = await import('../ts/bench/report.js');
    const a10 = withCuda('NVIDIA A10', 480);
    applyHbmReference(a10);
    evaluateTargets(a10);
    expect(a10.cuda?.hbmGbps).toBe(600);
    expect(cudaTargets(a10)).toHaveLength(3);
    for (const t of cudaTargets(a10)) expect(t).toMatchObject({ measured: 0.8, pass: true }); // 480 / 600, not 480 / 4800

    const unknown = withCuda('NVIDIA B200', 480);
    applyHbmReference(unknown);
    evaluateTargets(unknown);
    expect(unknown.cuda?.hbmGbps).toBeNull();
    for (const t of cudaTargets(unknown)) {
      expect(t).toMatchObject({ measured: null, pass: null });
      expect(t.note).toMatch(/no memory-bandwidth reference for "NVIDIA B200": pass --hbm-gbps/);
    }

    applyHbmReference(unknown, 1600);
    evaluateTargets(unknown);
    for (const t of cudaTargets(unknown)) expect(t).toMatchObject({ measured: 0.3, pass: false });
  });

  it('CLI: --render re-evaluates a saved record for its device; --hbm-gbps overrides; a bad value is refused', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'selfj-bench-hbm-'));
    const file = path.join(dir, 'l40s.json');
    writeFileSync(file, JSON.stringify(withCuda('NVIDIA L40S', 432)));
    const own = cli('--render', file, '--json');
    expect(own.status, own.stderr).toBe(0);
    const rec = JSON.parse(own.stdout) as BenchResult;
    expect(rec.cuda).toMatchObject({ hbmGbps: 864, hbmSource: 'published peak of the L40S' });
    for (const t of cudaTargets(rec)) expect(t.measured).toBeCloseTo(0.5, 9);
    const flag = cli('--render', file, '--hbm-gbps', '540');
    expect(flag.status, flag.stderr).toBe(0);
    expect(flag.stdout).toMatch(/CUDA NVIDIA L40S \(memory-bandwidth reference 540 GB\/s, --hbm-gbps\)/);
    expect(flag.stdout).toMatch(/PASS {2}cosineRows cuda \(device-resident\): GB\/s \/ HBM: 0\.8/);
    const unknown = path.join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify(withCuda('NVIDIA B200', 432)));
    const na = cli('--render', unknown);
    expect(na.status, na.stderr).toBe(0);
    expect(na.stdout).toMatch(/n\/a +cosineRows cuda \(device-resident\).*pass --hbm-gbps/);
    const bad = cli('--render', file, '--hbm-gbps', 'fast');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--hbm-gbps must be a number > 0/);
  });
});
