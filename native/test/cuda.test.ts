// CUDA: the kernels must compile for Hopper whenever nvcc is installed (even with no GPU), and agree with the
// reference when a device is present (CI has none: those tests are then skipped with the reason).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../ts/index.js';
import { runAgreement } from './fixtures/agreement.mjs';
import { NATIVE_ROOT, addon, needAddon } from './helpers.js';

const CUDA_DIR = path.join(NATIVE_ROOT, 'src', 'cuda');
const nvcc = (() => {
  const r = spawnSync('nvcc', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n').pop() : null;
})();

describe('CUDA sources', () => {
  it('compile with nvcc -c -arch=sm_90 -std=c++17', (ctx) => {
    if (!nvcc) ctx.skip('nvcc not found on PATH (nvcc --version failed); install the CUDA toolkit to run this check');
    const sources = readdirSync(CUDA_DIR).filter((f) => f.endsWith('.cu')).map((f) => path.join(CUDA_DIR, f));
    expect(sources.length, `no .cu files in ${CUDA_DIR}`).toBeGreaterThan(0);
    const outDir = mkdtempSync(path.join(tmpdir(), 'selfj-nvcc-'));
    // One nvcc call for all files: each would otherwise pay the front-end start-up again.
    execFileSync('nvcc', ['-c', '-arch=sm_90', '-std=c++17', '--output-directory', outDir, ...sources],
      { cwd: CUDA_DIR, stdio: ['ignore', 'inherit', 'inherit'], timeout: 900_000 });
    const objects = readdirSync(outDir).filter((f) => f.endsWith('.o'));
    expect(objects.length).toBe(sources.length);
  }, 960_000);
});

describe('CUDA vs reference', () => {
  const device = addon?.info().cudaDevice;
  const reason = !addon
    ? 'addon not built'
    : !addon.info().cudaCompiled
      ? 'addon built without CUDA (no toolkit at build time)'
      : 'no CUDA device on this machine (CI has no GPU)';

  it('agrees on random shapes (cosine 1e-5, head 1e-4)', (ctx) => {
    needAddon(ctx);
    if (!device) ctx.skip(reason);
    expect(api.info().backend).toBe('cuda');
    expect(api.info().cudaDevice).toBe(device);
    expect(runAgreement(api, 5).filter((r: { ok: boolean }) => !r.ok)).toEqual([]);
  });

  it('large cosineRows batch matches the CPU path', (ctx) => {
    const raw = needAddon(ctx);
    if (!device) ctx.skip(reason);
    const dim = 1024, n = 4096;
    const a = new Float32Array(n * dim).map(() => Math.random() - 0.5);
    const b = new Float32Array(n * dim).map(() => Math.random() - 0.5);
    const gpu = api.cosineRows(a, b, dim);
    raw.setBackend('cpu');
    const cpu = raw.cosineRows(a, b, dim);
    raw.setBackend('cuda');
    for (let i = 0; i < n; i++) expect(Math.abs(gpu[i] - cpu[i])).toBeLessThan(1e-5);
  });
});
