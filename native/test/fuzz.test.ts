// Thousands of malformed calls (wrong types, NaN/Inf, bad dims, mismatched lengths, huge numbers, junk objects)
// against the raw addon and the TS API in a child process: it must exit 0 (no crash/abort), and every call must
// either return a correctly shaped result or throw an Error tagged BAD_INPUT or NATIVE (a NativeError from the API).
import { describe, expect, it } from 'vitest';
import { ADDON_PATH, addon, childJson, needAddon, runFixture } from './helpers.js';

interface FuzzOut {
  calls: number;
  rawCalls: number;
  returned: number;
  threw: number;
  failures: string[];
  info: { backend: string };
}

describe('fuzz', () => {
  it('TS API on the reference backend (SELFJ_NATIVE_BACKEND=js)', () => {
    const out = childJson<FuzzOut>(runFixture('fuzz.mjs', { SELFJ_NATIVE_BACKEND: 'js', FUZZ_ITERS: '800' }));
    expect(out.info.backend).toBe('js');
    expect(out.calls).toBeGreaterThan(3000);
    expect(out.returned).toBeGreaterThan(100);
    expect(out.failures).toEqual([]);
  });

  it('raw addon and TS API on the addon', (ctx) => {
    needAddon(ctx);
    // Issue 10: at least 10k malformed calls straight into the addon, zero process deaths.
    const r = runFixture('fuzz.mjs', { FUZZ_ADDON: ADDON_PATH, FUZZ_ITERS: '2600', SEED: '123' });
    expect(r.signal, `child killed by ${r.signal}: ${r.stderr.slice(-2000)}`).toBeNull();
    const out = childJson<FuzzOut>(r);
    expect(out.info.backend).not.toBe('js');
    expect(out.rawCalls).toBeGreaterThanOrEqual(10_000);
    expect(out.calls).toBeGreaterThan(20_000);
    expect(out.returned).toBeGreaterThan(500);
    expect(out.threw).toBeGreaterThan(5000);
    expect(out.failures).toEqual([]);
    expect(addon).not.toBeNull();
  });
});
