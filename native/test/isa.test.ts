// Every CPU ISA path against the reference, and bitwise batch/thread invariance per path, each in a child process
// with SELFJ_NATIVE_ISA set (the addon reads it once at load). Unsupported ISAs must fall back, and info().isa must
// say what actually ran.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childJson, needAddon, runFixture } from './helpers.js';

const flags = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
})();
const cpuHasAvx512 = /\bavx512f\b/.test(flags);
const cpuHasAvx2 = /\bavx2\b/.test(flags) && /\bfma\b/.test(flags);

interface CompareOut {
  info: { backend: string; isa: string };
  failed: { kernel: string; shape: string; err: number; tol: number }[];
  count: number;
}

describe('ISA paths vs reference', () => {
  const cases: [string, (isa: string) => boolean, string][] = [
    ['scalar', (isa) => isa === 'scalar', 'scalar'],
    ['avx2', (isa) => (cpuHasAvx2 ? isa === 'avx2' : isa !== 'avx2'), cpuHasAvx2 ? 'avx2' : 'fallback (CPU lacks AVX2+FMA)'],
    ['avx512', (isa) => (cpuHasAvx512 ? isa === 'avx512' : isa !== 'avx512'),
      cpuHasAvx512 ? 'avx512' : 'fallback (CPU lacks AVX-512)'],
    ['bogus', (isa) => isa.length > 0 && isa !== 'bogus', 'fallback to the best ISA'],
  ];
  for (const [isa, ranOk, expected] of cases) {
    it(`SELFJ_NATIVE_ISA=${isa} -> ${expected}; agrees with the reference, batch- and thread-invariant`, (ctx) => {
      needAddon(ctx);
      const out = childJson<CompareOut>(runFixture('compare-child.mjs', { SELFJ_NATIVE_ISA: isa, SELFJ_NATIVE_BACKEND: 'cpu' }));
      expect(out.info.backend).toBe('cpu');
      expect(ranOk(out.info.isa), `info().isa = ${out.info.isa}`).toBe(true);
      expect(out.count).toBeGreaterThan(100);
      expect(out.failed).toEqual([]);
    });
  }

  it('single-threaded scalar path agrees too (SELFJ_NATIVE_THREADS=1)', (ctx) => {
    needAddon(ctx);
    const out = childJson<CompareOut>(runFixture('compare-child.mjs',
      { SELFJ_NATIVE_ISA: 'scalar', SELFJ_NATIVE_THREADS: '1', SELFJ_NATIVE_BACKEND: 'cpu', SEED: '3' }));
    expect(out.failed).toEqual([]);
  });
});
