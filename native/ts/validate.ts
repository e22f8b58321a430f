/**
 * Argument validation shared by every backend (the addon validates again for direct calls). Messages name the
 * argument and the expected shape; non-finite results are traced back to the input that caused them.
 */
import { constants as bufferConstants } from 'node:buffer';
import os from 'node:os';
import { types } from 'node:util';
import { NativeError, badInput } from './errors.js';
import type { JudgeHeadForwardArgs, JudgeHeadTrainStepArgs, TrainHyper } from './types.js';
import { DEFAULT_HYPER } from './types.js';

export const MAX_DIM = 2 ** 31 - 1;
export const MIN_BINS = 2;
export const MAX_BINS = 64;

/** Short description of a value for error messages (never dumps contents, never runs a Proxy trap). */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x !== 'object') return typeof x === 'number' ? `number ${x}` : typeof x;
  if (types.isProxy(x)) return 'a Proxy';
  try {
    if (ArrayBuffer.isView(x)) return `${x.constructor.name} of length ${(x as unknown as ArrayLike<number>).length}`;
    if (Array.isArray(x)) return `Array of length ${x.length}`;
    return `object (${(x as object).constructor?.name ?? 'no prototype'})`;
  } catch {
    return 'an object that cannot be inspected';
  }
}

function f32(name: string, x: unknown, expected: string): Float32Array {
  // Not instanceof: a Proxy of a Float32Array or Object.create(Float32Array.prototype) passes that, then throws a
  // bare TypeError on .length.
  if (!types.isFloat32Array(x)) {
    throw badInput(name, `a Float32Array (${expected})`, describe(x), [
      'Convert with Float32Array.from(values) or new Float32Array(buffer).',
    ]);
  }
  return x;
}

/**
 * Refuses a result the kernel would have to allocate when it cannot fit: over the engine's typed-array limit or over
 * physical memory. (An allocation failure inside the addon is fatal to the process, so check before.)
 */
export function checkResultSize(argument: string, elements: number, what: string): void {
  const maxElements = bufferConstants.MAX_LENGTH;
  const memBytes = os.totalmem();
  if (elements <= maxElements && elements * 4 <= memBytes) return;
  throw new NativeError('BAD_INPUT',
    `Invalid argument "${argument}": the result (${what} = ${elements} float32 elements) is too large to allocate ` +
      `(at most ${maxElements} elements and ${memBytes} bytes of memory).`, {
      argument,
      expected: `a result of at most ${Math.min(maxElements, Math.floor(memBytes / 4))} elements`,
      solutions: ['Split the work into blocks of rows and pass a preallocated "out" for each block.'],
    });
}

/**
 * Runs a validator so that reading a hostile argument (a revoked Proxy, a throwing getter) gives BAD_INPUT naming
 * the argument object instead of the caller's own exception.
 */
export function guardArgs<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NativeError) throw e;
    throw new NativeError('BAD_INPUT', `Invalid argument "${name}": reading it threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}.`, {
      argument: name, expected: 'a plain object with readable fields', cause: e,
    });
  }
}

function f32Len(name: string, x: unknown, len: number, expected: string): Float32Array {
  const a = f32(name, x, expected);
  if (a.length !== len) throw badInput(name, `a Float32Array of length ${len} (${expected})`, describe(x));
  return a;
}

function optF32Len(name: string, x: unknown, len: number, expected: string): Float32Array | null {
  return x === undefined || x === null ? null : f32Len(name, x, len, expected);
}

export function checkDim(name: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    throw badInput(name, `a positive integer (1..${MAX_DIM})`, describe(dim));
  }
  return dim;
}

function checkBins(bins: unknown): number {
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < MIN_BINS || bins > MAX_BINS) {
    throw badInput('bins', `an integer in ${MIN_BINS}..${MAX_BINS}`, describe(bins));
  }
  return bins;
}

/** Rows in a [rows*dim] buffer; throws when dim does not divide its length. */
function rowsOf(name: string, x: Float32Array, dim: number): number {
  if (x.length % dim !== 0) {
    throw badInput(name, `a length that is a multiple of dim=${dim} (rows*dim)`, describe(x));
  }
  return x.length / dim;
}

export function validateCosineRows(a: unknown, b: unknown, dim: unknown, out: unknown): number {
  const fa = f32('a', a, 'rows*dim');
  const d = checkDim('dim', dim);
  const n = rowsOf('a', fa, d);
  f32Len('b', b, fa.length, `same shape as a: ${n} rows x dim ${d}`);
  if (optF32Len('out', out, n, `one value per row: ${n}`) === null) checkResultSize('out', n, `rows(a) = ${n}`);
  return n;
}

export function validateCosineMatrix(a: unknown, b: unknown, dim: unknown, out: unknown): { na: number; nb: number } {
  const fa = f32('a', a, 'na*dim');
  const fb = f32('b', b, 'nb*dim');
  const d = checkDim('dim', dim);
  const na = rowsOf('a', fa, d);
  const nb = rowsOf('b', fb, d);
  if (optF32Len('out', out, na * nb, `na*nb = ${na}*${nb}`) === null) checkResultSize('out', na * nb, `rows(a) x rows(b) = ${na} x ${nb}`);
  return { na, nb };
}

function checkArgsObject(name: string, x: unknown): Record<string, unknown> {
  if (typeof x !== 'object' || x === null) throw badInput(name, 'an object', describe(x));
  return x as Record<string, unknown>;
}

/** Validates the head's w/bias/dim/bins; returns [dim, bins]. */
function checkHead(x: Record<string, unknown>): [number, number] {
  const dim = checkDim('dim', x.dim);
  const bins = checkBins(x.bins);
  f32Len('w', x.w, bins * dim, `bins*dim = ${bins}*${dim}`);
  f32Len('bias', x.bias, bins, `one per bin: ${bins}`);
  return [dim, bins];
}

export function validateForward(args: unknown): number {
  return guardArgs('args', () => {
    const x = checkArgsObject('args', args) as unknown as JudgeHeadForwardArgs & Record<string, unknown>;
    const [dim, bins] = checkHead(x);
    const n = rowsOf('h', f32('h', x.h, 'rows*dim'), dim);
    optF32Len('offset', x.offset, n * bins, `rows*bins = ${n}*${bins}`);
    if (optF32Len('probsOut', x.probsOut, n * bins, `rows*bins = ${n}*${bins}`) === null) {
      checkResultSize('probsOut', n * bins, `rows x bins = ${n} x ${bins}`);
    }
    optF32Len('scoresOut', x.scoresOut, n, `one per row: ${n}`);
    return n;
  });
}

function hyperParam(x: Record<string, unknown>, name: keyof TrainHyper, ok: (v: number) => boolean, expected: string) {
  const v = x[name];
  if (v === undefined) return DEFAULT_HYPER[name];
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw badInput(name, expected, describe(v));
  return v;
}

export function validateTrainStep(args: unknown): { n: number; hyper: TrainHyper } {
  return guardArgs('args', () => validateTrainStepFields(args));
}

function validateTrainStepFields(args: unknown): { n: number; hyper: TrainHyper } {
  const x = checkArgsObject('args', args) as unknown as JudgeHeadTrainStepArgs & Record<string, unknown>;
  const [dim, bins] = checkHead(x);
  const n = rowsOf('hTeacher', f32('hTeacher', x.hTeacher, 'rows*dim'), dim);
  if (n === 0) throw badInput('hTeacher', 'at least one row', 'an empty Float32Array');
  f32Len('hStudent', x.hStudent, n * dim, `same shape as hTeacher: ${n} rows x dim ${dim}`);
  optF32Len('offsetTeacher', x.offsetTeacher, n * bins, `rows*bins = ${n}*${bins}`);
  optF32Len('offsetStudent', x.offsetStudent, n * bins, `rows*bins = ${n}*${bins}`);
  f32Len('targets', x.targets, n * bins, `rows*bins = ${n}*${bins}`);
  const sw = optF32Len('sampleWeights', x.sampleWeights, n, `one per row: ${n}`);
  if (sw) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (!(sw[i] >= 0) || sw[i] === Infinity) {
        throw badInput('sampleWeights', 'finite non-negative weights', `sampleWeights[${i}] = ${sw[i]}`);
      }
      sum += sw[i];
    }
    if (!(sum > 0)) throw badInput('sampleWeights', 'weights with a positive sum', 'all zero');
  }
  const st = checkArgsObject('state', x.state);
  f32Len('state.mW', st.mW, bins * dim, `bins*dim = ${bins}*${dim}; use createAdamWState(dim, bins)`);
  f32Len('state.vW', st.vW, bins * dim, `bins*dim = ${bins}*${dim}; use createAdamWState(dim, bins)`);
  f32Len('state.mB', st.mB, bins, `one per bin: ${bins}; use createAdamWState(dim, bins)`);
  f32Len('state.vB', st.vB, bins, `one per bin: ${bins}; use createAdamWState(dim, bins)`);
  const step = st.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw badInput('state.step', 'a non-negative integer', describe(step));
  }
  const nonNeg = (v: number) => v >= 0;
  const unit = (v: number) => v >= 0 && v < 1;
  const hyper: TrainHyper = {
    lr: hyperParam(x, 'lr', nonNeg, 'a finite number >= 0'),
    beta1: hyperParam(x, 'beta1', unit, 'a number in [0, 1)'),
    beta2: hyperParam(x, 'beta2', unit, 'a number in [0, 1)'),
    eps: hyperParam(x, 'eps', (v) => v > 0, 'a finite number > 0'),
    weightDecay: hyperParam(x, 'weightDecay', nonNeg, 'a finite number >= 0'),
    studentWeight: hyperParam(x, 'studentWeight', nonNeg, 'a finite number >= 0'),
    klWeight: hyperParam(x, 'klWeight', nonNeg, 'a finite number >= 0'),
  };
  return { n, hyper };
}

/** True when every element is finite. */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/**
 * Called when a result came out non-finite (or the addon refused to compute): scans the inputs in order and
 * throws BAD_INPUT naming the first one holding NaN/Infinity, or BAD_INPUT without an argument when all inputs are
 * finite (overflow: the caller must scale the data).
 */
export function throwNonFinite(op: string, inputs: [string, Float32Array | null | undefined][], cause?: unknown): never {
  for (const [name, arr] of inputs) {
    if (!arr) continue;
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) {
        throw new NativeError('BAD_INPUT', `${op}: argument "${name}" contains ${arr[i]} at index ${i}; the result would be non-finite.`, {
          argument: name,
          expected: 'finite values (no NaN or Infinity)',
          solutions: [`Check how "${name}" was produced (e.g. a division by zero or a failed model call).`],
          cause,
        });
      }
    }
  }
  // Finite inputs, non-finite result: float overflow from the user's scale, so still the caller's input to fix.
  throw new NativeError('BAD_INPUT', `${op}: the result is non-finite although every input is finite (overflow?).`, {
    solutions: ['Scale the inputs down (e.g. normalise the features) or lower the learning rate.'],
    cause,
  });
}
