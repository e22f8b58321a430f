/**
 * MinHash signing, the JS loop against the WebAssembly SIMD kernel (native/wasm/minhash.wat), side by side in
 * alternating rounds on the same texts: the speed-up the kernel gives the collect stage's near-dedupe.
 */
import { MinHasher } from '@selfj/core/collect';

export interface MinHashRatio {
  kernel: boolean;
  texts: number;
  jsMs: number;
  kernelMs: number | null;
  /** jsMs / kernelMs (best round each). */
  ratio: number | null;
}

export function minhashRatio(numPerm = 128, texts = 2000, rounds = 7): MinHashRatio {
  let s = 12345;
  const word = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return `w${(s >>> 8) % 5000}`;
  };
  const corpus = Array.from({ length: texts }, (_, i) => Array.from({ length: 20 + (i % 300) }, word).join(' '));
  const js = new MinHasher({ numPerm }, false), wasm = new MinHasher({ numPerm });
  const time = (h: MinHasher) => {
    const t0 = performance.now();
    let x = 0;
    for (const t of corpus) x ^= h.signature(t, true)?.[0] ?? 0;
    return { ms: performance.now() - t0, x };
  };
  let jsBest = Infinity, kBest = Infinity;
  for (let r = 0; r < rounds; r++) {
    const a = time(js), b = wasm.simd ? time(wasm) : a;
    if (a.x !== b.x) throw new Error('MinHash kernel and JS loop disagree');
    jsBest = Math.min(jsBest, a.ms);
    kBest = Math.min(kBest, b.ms);
  }
  return { kernel: wasm.simd, texts, jsMs: jsBest, kernelMs: wasm.simd ? kBest : null, ratio: wasm.simd ? jsBest / kBest : null };
}

export function formatMinhashRatio(r: MinHashRatio): string {
  return r.kernel
    ? `MinHash signature() (scan + sign, 128 bins, ${r.texts} texts): JS loop ${r.jsMs.toFixed(1)} ms, WebAssembly kernel ${r.kernelMs?.toFixed(1)} ms -> kernel ${r.ratio?.toFixed(2)}x the JS loop`
    : `MinHash signing: WebAssembly kernel unavailable (no @selfj/native/minhash.wasm or no SIMD); JS loop ${r.jsMs.toFixed(1)} ms`;
}
