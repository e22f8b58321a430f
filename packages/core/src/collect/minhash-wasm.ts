/**
 * The MinHash signing loop as a small WebAssembly SIMD kernel: four bins per i32x4 operation (wrapping multiply,
 * wrapping add, signed minimum: bit for bit the JS loop `min((Math.imul(a, x) + b) | 0)`), 16 bins per pass over
 * the shingles. The module is assembled here from its opcodes (no binary blob, no build step); where WebAssembly
 * or its SIMD extension is missing, `minHashKernel()` returns null and MinHasher uses its JS loop (same values).
 *
 * Memory layout (one memory per kernel, grown for long texts):
 *   [0, 2048)      a[0..512)    multipliers, i32
 *   [2048, 4096)   b[0..512)    offsets, i32
 *   [4096, 6144)   sig[0..512)  output bins, i32
 *   [6144, ...)    shingle hashes, i32
 *
 * sign(n, groups): for each group g < groups of four bins 4g..4g+3, sig[4g + k] = min over j < n of
 * a[4g + k] * sh[j] + b[4g + k] (mod 2^32, signed order), starting from 0x7fffffff.
 */

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

export const A_OFFSET = 0;
export const B_OFFSET = 2048;
export const SIG_OFFSET = 4096;
export const SH_OFFSET = 6144;
/** Bins the layout has room for (MinHasher's numPerm limit). */
export const MAX_BINS = 512;

const PAGE = 65536;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

// Opcodes used below.
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const I32_CONST = 0x41;
const I32_GE_S = 0x4e;
const I32_GE_U = 0x4f;
const I32_GT_S = 0x4a;
const I32_ADD = 0x6a;
const I32_SHL = 0x74;
const I32 = 0x7f;
const V128 = 0x7b;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const v128Load = (offset: number): number[] => [...simd(0x00), 4, ...uleb(offset)];
const v128Load32Splat = (offset: number): number[] => [...simd(0x09), 2, ...uleb(offset)];
const v128Store = (offset: number): number[] => [...simd(0x0b), 4, ...uleb(offset)];
const I32X4_SPLAT = simd(0x11);
const I32X4_ADD = simd(0xae);
const I32X4_MUL = simd(0xb5);
const I32X4_MIN_S = simd(0xb6);
const i32 = (v: number): number[] => [I32_CONST, ...sleb(v)];

// Locals: 0 n, 1 groups (params); 2 g, 3 j, 4 off, 5 end (i32); 6..9 a, 10..13 b, 14..17 min, 18 x (v128).
const N = 0;
const GROUPS = 1;
const G = 2;
const J = 3;
const OFF = 4;
const SH_END = 5;
const VA = 6;
const VB = 10;
const MIN = 14;
const X = 18;

/** One pass over the shingles for `width` groups (1 or 4) starting at group `G`. */
function pass(width: number): number[] {
  const code: number[] = [];
  code.push(GET, G, ...i32(4), I32_SHL, SET, OFF); // off = g * 16 (bytes)
  for (let k = 0; k < width; k++) {
    code.push(GET, OFF, ...v128Load(A_OFFSET + 16 * k), SET, VA + k);
    code.push(GET, OFF, ...v128Load(B_OFFSET + 16 * k), SET, VB + k);
    code.push(...i32(0x7fffffff), ...I32X4_SPLAT, SET, MIN + k);
  }
  code.push(...i32(SH_OFFSET), SET, J);
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(GET, J, GET, SH_END, I32_GE_U, BR_IF, 1);
  code.push(GET, J, ...v128Load32Splat(0), SET, X);
  for (let k = 0; k < width; k++) {
    // min_k = min_s(min_k, a_k * x + b_k)
    code.push(GET, MIN + k, GET, VA + k, GET, X, ...I32X4_MUL, GET, VB + k, ...I32X4_ADD, ...I32X4_MIN_S, SET, MIN + k);
  }
  code.push(GET, J, ...i32(4), I32_ADD, SET, J, BR, 0, END, END);
  for (let k = 0; k < width; k++) code.push(GET, OFF, GET, MIN + k, ...v128Store(SIG_OFFSET + 16 * k));
  code.push(GET, G, ...i32(width), I32_ADD, SET, G);
  return code;
}

function moduleBytes(): Uint8Array {
  const body: number[] = [];
  body.push(2, 4, I32, 13, V128); // local declarations: 4 x i32, 13 x v128
  body.push(GET, N, ...i32(2), I32_SHL, ...i32(SH_OFFSET), I32_ADD, SET, SH_END); // end = SH_OFFSET + 4n
  // while (g + 4 <= groups) four groups per pass
  body.push(BLOCK, VOID, LOOP, VOID);
  body.push(GET, G, ...i32(4), I32_ADD, GET, GROUPS, I32_GT_S, BR_IF, 1);
  body.push(...pass(4), BR, 0, END, END);
  // while (g < groups) one group per pass
  body.push(BLOCK, VOID, LOOP, VOID);
  body.push(GET, G, GET, GROUPS, I32_GE_S, BR_IF, 1);
  body.push(...pass(1), BR, 0, END, END);
  body.push(END);
  const fn = [...uleb(body.length), ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, I32, I32, 0]), // type 0: (i32, i32) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 1]), // memory 0: 1 page to start, no maximum
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('sign'), 0x00, 0]),
    ...section(10, [1, ...fn]),
  ]);
}

let compiled: WasmModule | null | undefined;

function compiledModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = typeof WebAssembly === 'object' ? new WebAssembly.Module(moduleBytes()) : null;
    } catch {
      compiled = null; // no SIMD support: MinHasher uses its JS loop
    }
  }
  return compiled;
}

/** One kernel instance: its own memory and typed views over it (refreshed when the memory grows). */
export class MinHashKernel {
  private readonly memory: WasmMemory;
  private readonly run: (n: number, groups: number) => void;
  a!: Int32Array;
  b!: Int32Array;
  sig!: Uint32Array;
  shingles!: Int32Array;

  constructor(module: WasmModule, private readonly numPerm: number) {
    const instance = new WebAssembly.Instance(module, {});
    this.memory = instance.exports.memory as WasmMemory;
    this.run = instance.exports.sign as (n: number, groups: number) => void;
    this.views();
  }

  private views(): void {
    const buf = this.memory.buffer;
    this.a = new Int32Array(buf, A_OFFSET, this.numPerm);
    this.b = new Int32Array(buf, B_OFFSET, this.numPerm);
    this.sig = new Uint32Array(buf, SIG_OFFSET, this.numPerm);
    this.shingles = new Int32Array(buf, SH_OFFSET, (buf.byteLength - SH_OFFSET) >> 2);
  }

  /** Room for at least `n` shingles (contents kept); returns the new shingle view. */
  grow(n: number): Int32Array {
    const need = SH_OFFSET + 4 * n;
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

/** A kernel for `numPerm` bins, or null where WebAssembly SIMD is unavailable. */
export function minHashKernel(numPerm: number): MinHashKernel | null {
  if (numPerm > MAX_BINS) return null;
  const module = compiledModule();
  return module ? new MinHashKernel(module, numPerm) : null;
}
