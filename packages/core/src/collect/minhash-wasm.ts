/**
 * The MinHash signing loop as a small WebAssembly SIMD kernel: four bins per i32x4 operation (wrapping multiply,
 * wrapping add, signed minimum: bit for bit the JS loop `min((Math.imul(a, x) + b) | 0)`), 16 bins per pass over
 * the shingles. Its source is the WebAssembly text `native/wasm/minhash.wat`, assembled by wabt when @selfj/native
 * is built and shipped as `@selfj/native/minhash.wasm`; the memory layout (offsets of a, b, sig and the shingles)
 * comes from the module's exported globals. Where the module is missing or WebAssembly SIMD is not supported,
 * `minHashKernel()` returns null and MinHasher uses its JS loop (same values).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// The few WebAssembly JS API types used here (the package compiles without the DOM lib that declares them).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
};

const PAGE = 65536;

let compiled: WasmModule | null | undefined;

function compiledModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      const file = createRequire(import.meta.url).resolve('@selfj/native/minhash.wasm');
      compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(readFileSync(file)) : null;
    } catch {
      compiled = null; // not built, or no SIMD support: MinHasher uses its JS loop
    }
  }
  return compiled;
}

const exported = (exports: Record<string, unknown>, name: string): number => (exports[name] as { value: number }).value;

/** One kernel instance: its own memory and typed views over it (refreshed when the memory grows). */
export class MinHashKernel {
  private readonly memory: WasmMemory;
  private readonly run: (n: number, groups: number) => void;
  private readonly layout: { a: number; b: number; sig: number; sh: number };
  /** Bins the layout has room for. */
  readonly maxBins: number;
  a!: Int32Array;
  b!: Int32Array;
  sig!: Uint32Array;
  shingles!: Int32Array;

  constructor(module: WasmModule, private readonly numPerm: number) {
    const { exports } = new WebAssembly.Instance(module, {});
    this.memory = exports.memory as WasmMemory;
    this.run = exports.sign as (n: number, groups: number) => void;
    this.layout = {
      a: exported(exports, 'aOffset'), b: exported(exports, 'bOffset'),
      sig: exported(exports, 'sigOffset'), sh: exported(exports, 'shOffset'),
    };
    this.maxBins = exported(exports, 'maxBins');
    this.views();
  }

  private views(): void {
    const buf = this.memory.buffer;
    const { a, b, sig, sh } = this.layout;
    this.a = new Int32Array(buf, a, this.numPerm);
    this.b = new Int32Array(buf, b, this.numPerm);
    this.sig = new Uint32Array(buf, sig, this.numPerm);
    this.shingles = new Int32Array(buf, sh, (buf.byteLength - sh) >> 2);
  }

  /** Room for at least `n` shingles (contents kept); returns the new shingle view. */
  grow(n: number): Int32Array {
    const need = this.layout.sh + 4 * n;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((Math.max(need, 2 * have) - have) / PAGE));
    this.views();
    return this.shingles;
  }

  /** Bins [0, 4 * ceil(bins / 4)) of the signature of shingles[0..n), into `sig`. */
  sign(n: number, bins: number): void {
    this.run(n, (bins + 3) >> 2);
  }
}

/** A kernel for `numPerm` bins, or null where the module is missing, too small, or WebAssembly SIMD is unavailable. */
export function minHashKernel(numPerm: number): MinHashKernel | null {
  const module = compiledModule();
  if (!module) return null;
  const kernel = new MinHashKernel(module, numPerm);
  return numPerm <= kernel.maxBins ? kernel : null;
}
