// The MinHash signing kernel assembled from wasm/minhash.wat: dist/minhash.wasm is what the .wat assembles to now,
// @selfj/native/minhash.wasm resolves to it, and its signatures equal the JS loop bit for bit (wrapping multiply and
// add, signed minimum) for any bin count, including texts long enough to grow the memory.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import wabtInit from 'wabt';
import { describe, expect, it } from 'vitest';
import { rng } from './fixtures/lib.mjs';
import { NATIVE_ROOT } from './helpers.js';

const WAT = path.join(NATIVE_ROOT, 'wasm', 'minhash.wat');
const WASM = path.join(NATIVE_ROOT, 'dist', 'minhash.wasm');
/** The compiled kernel, or why this engine cannot compile it (no WebAssembly SIMD: MinHasher then uses its JS loop). */
const compiled = (() => {
  try {
    return { module: new WebAssembly.Module(readFileSync(WASM)) };
  } catch (e) {
    return { error: (e as Error).message };
  }
})();

interface Kernel {
  memory: WebAssembly.Memory;
  sign: (n: number, groups: number) => void;
  aOffset: WebAssembly.Global; bOffset: WebAssembly.Global; sigOffset: WebAssembly.Global; shOffset: WebAssembly.Global;
}

/** The JS loop of MinHasher: sig[i] = min over shingles of (imul(a[i], x) + b[i]) | 0, from 0x7fffffff. */
function jsSign(a: Int32Array, b: Int32Array, sh: Int32Array, bins: number): Int32Array {
  const sig = new Int32Array(bins).fill(0x7fffffff);
  for (const x of sh) for (let i = 0; i < bins; i++) sig[i] = Math.min(sig[i], (Math.imul(a[i], x) + b[i]) | 0);
  return sig;
}

describe('MinHash WebAssembly kernel (wasm/minhash.wat)', () => {
  it('dist/minhash.wasm is the current .wat assembled by wabt', async () => {
    const wabt = await wabtInit();
    const mod = wabt.parseWat(WAT, readFileSync(WAT, 'utf8'), { simd: true });
    mod.resolveNames();
    mod.validate();
    const fresh = Buffer.from(mod.toBinary({ log: false, write_debug_names: false }).buffer);
    mod.destroy();
    expect(fresh.equals(readFileSync(WASM)), 'run npm run build -w @selfj/native').toBe(true);
    expect(createRequire(path.join(NATIVE_ROOT, 'package.json')).resolve('@selfj/native/minhash.wasm')).toBe(WASM);
  });

  it('signs bit-identically to the JS loop (bins 1..512, 0..20000 shingles)', (ctx) => {
    if (!('module' in compiled)) ctx.skip(`the kernel does not compile here (${compiled.error})`);
    const inst = new WebAssembly.Instance((compiled as { module: WebAssembly.Module }).module, {});
    const k = inst.exports as unknown as Kernel;
    const r = rng(11);
    const i32 = () => (r() * 2 ** 32) | 0;
    for (const [bins, n] of [[32, 100], [30, 7], [5, 1], [1, 3], [512, 50], [256, 0], [64, 20000], [13, 2]]) {
      const shOff = k.shOffset.value as number;
      const need = shOff + 4 * n;
      if (need > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
      const buf = k.memory.buffer;
      const a = new Int32Array(buf, k.aOffset.value as number, 512), b = new Int32Array(buf, k.bOffset.value as number, 512);
      const sh = new Int32Array(buf, shOff, n);
      for (let i = 0; i < 512; i++) { a[i] = i32() | 1; b[i] = i32(); }
      for (let j = 0; j < n; j++) sh[j] = i32();
      if (n > 1) sh[n - 1] = -2147483648; // extremes wrap the same way in both
      k.sign(n, (bins + 3) >> 2);
      const got = new Int32Array(buf, k.sigOffset.value as number, bins);
      expect(Array.from(got), `bins ${bins}, n ${n}`).toEqual(Array.from(jsSign(a, b, sh, bins)));
    }
  });
});
