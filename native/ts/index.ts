/**
 * @selfj/native public API: similarity and judge-head kernels. Every call validates in TS, then runs on the active
 * backend (CUDA, CPU SIMD addon, or the TS reference; see loader.ts and docs/native.md).
 */
import { NativeError, badInput } from './errors.js';
import { loadBackend, type LoadedBackend } from './loader.js';
import * as ref from './reference/index.js';
import type { AdamWState, JudgeHeadForwardArgs, JudgeHeadForwardResult, JudgeHeadLoss, JudgeHeadTrainStepArgs, NativeInfo, RawAddon } from './types.js';
import { allFinite, throwNonFinite, validateCosineMatrix, validateCosineRows, validateForward, validateTrainStep } from './validate.js';

export { NativeError, isNativeError } from './errors.js';
export type { NativeErrorCode, NativeErrorOptions } from './errors.js';
export type * from './types.js';
export { DEFAULT_HYPER } from './types.js';

/** The plain-TS implementations (always available, validated); `lossAndGrad` exposes the float64 loss+gradient. */
export const reference = Object.freeze({
  cosineRows: ref.cosineRows,
  cosineMatrix: ref.cosineMatrix,
  judgeHeadForward: ref.judgeHeadForward,
  judgeHeadTrainStep: ref.judgeHeadTrainStep,
  lossAndGrad: ref.lossAndGrad,
});

let loaded: LoadedBackend | undefined;
function active(): LoadedBackend {
  loaded ??= loadBackend();
  return loaded;
}

/** The raw addon when one is loaded (internal: tests and the benchmark use it), else null. */
export function rawAddon(): RawAddon | null {
  return active().addon;
}

/** The addon threw: name a non-finite input if there is one, else report the addon's own message. */
function addonFailed(op: string, inputs: [string, Float32Array | null | undefined][], e: unknown): never {
  for (const [, arr] of inputs) if (arr && !allFinite(arr)) throwNonFinite(op, inputs, e);
  if (e instanceof NativeError) throw e;
  const msg = e instanceof Error ? e.message : String(e);
  // The addon tags its own validation errors; keep them as BAD_INPUT (its rules may be stricter than ours).
  if ((e as { code?: unknown } | null)?.code === 'BAD_INPUT') throw new NativeError('BAD_INPUT', msg, { cause: e });
  throw new NativeError('NATIVE', `${op} failed in the native addon: ${msg}`, {
    cause: e,
    solutions: ['Rebuild the addon: npm run build:addon -w @selfj/native', 'Set SELFJ_NATIVE_BACKEND=js to use the TS kernels'],
  });
}

/** out[i] = cos(a_i, b_i) over rows of `dim` floats; 0 for a zero-norm row. */
export function cosineRows(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const { addon } = active();
  if (!addon) return ref.cosineRows(a, b, dim, out);
  validateCosineRows(a, b, dim, out);
  try {
    return addon.cosineRows(a, b, dim, out);
  } catch (e) {
    return addonFailed('cosineRows', [['a', a], ['b', b]], e);
  }
}

/** out[i*nb + j] = cos(a_i, b_j); 0 when either row has zero norm. */
export function cosineMatrix(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const { addon } = active();
  if (!addon) return ref.cosineMatrix(a, b, dim, out);
  validateCosineMatrix(a, b, dim, out);
  try {
    return addon.cosineMatrix(a, b, dim, out);
  } catch (e) {
    return addonFailed('cosineMatrix', [['a', a], ['b', b]], e);
  }
}

/** probs = softmax(offset + h W^T + bias) per row, scores = expected bin index. */
export function judgeHeadForward(args: JudgeHeadForwardArgs): JudgeHeadForwardResult {
  const { addon } = active();
  if (!addon) return ref.judgeHeadForward(args);
  validateForward(args);
  const { h, w, bias, offset, dim, bins } = args;
  try {
    return addon.judgeHeadForward(h, w, bias, offset ?? null, dim, bins, args.probsOut ?? null, args.scoresOut ?? null);
  } catch (e) {
    return addonFailed('judgeHeadForward', [['h', h], ['w', w], ['bias', bias], ['offset', offset]], e);
  }
}

/** One fused Self-J head step (teacher+student CE, KL, AdamW); updates w, bias and state in place. */
export function judgeHeadTrainStep(args: JudgeHeadTrainStepArgs): JudgeHeadLoss {
  const { addon } = active();
  if (!addon) return ref.judgeHeadTrainStep(args);
  const { hyper } = validateTrainStep(args);
  const raw: Record<string, unknown> = {
    hTeacher: args.hTeacher, hStudent: args.hStudent, targets: args.targets, w: args.w, bias: args.bias,
    dim: args.dim, bins: args.bins, state: args.state, ...hyper,
  };
  if (args.offsetTeacher) raw.offsetTeacher = args.offsetTeacher;
  if (args.offsetStudent) raw.offsetStudent = args.offsetStudent;
  if (args.sampleWeights) raw.sampleWeights = args.sampleWeights;
  const stepBefore = args.state.step;
  let r: JudgeHeadLoss;
  try {
    r = addon.judgeHeadTrainStep(raw);
  } catch (e) {
    return addonFailed('judgeHeadTrainStep', ref.trainInputs(args), e);
  }
  // The contract says the addon increments state.step; keep the public promise even if a build does not.
  if (args.state.step === stepBefore) args.state.step = stepBefore + 1;
  if (!Number.isFinite(r.loss)) throwNonFinite('judgeHeadTrainStep', ref.trainInputs(args));
  return { loss: r.loss, ceTeacher: r.ceTeacher, ceStudent: r.ceStudent, kl: r.kl };
}

/** Zeroed AdamW moments for a head of `bins` x `dim`. */
export function createAdamWState(dim: number, bins: number): AdamWState {
  ref.checkStateShape(dim, bins);
  return {
    mW: new Float32Array(bins * dim),
    vW: new Float32Array(bins * dim),
    mB: new Float32Array(bins),
    vB: new Float32Array(bins),
    step: 0,
  };
}

/** Which backend runs, on which ISA and how many threads; why it fell back when it did. */
export function info(): NativeInfo {
  const l = active();
  if (!l.addon) return { backend: 'js', isa: 'js', threads: 1, cudaCompiled: false, fallbackReason: l.fallbackReason };
  const i = l.addon.info();
  // The addon's own answer is live (the benchmark switches it with setBackend); the loader's is the initial choice.
  const backend = i.backend === 'cuda' || i.backend === 'cpu' ? i.backend : l.backend;
  const out: NativeInfo = { backend, isa: i.isa, threads: i.threads, cudaCompiled: !!i.cudaCompiled, addonPath: l.addonPath };
  if (i.version) out.version = i.version;
  if (i.isas) out.isas = [...i.isas];
  if (i.forcedIsa) out.forcedIsa = i.forcedIsa;
  if (i.kernels) out.kernels = { ...i.kernels } as NativeInfo['kernels'];
  if (l.dispatch) out.dispatch = { ...l.dispatch, kernels: { ...(out.kernels ?? l.dispatch.kernels) } };
  if (i.cudaDevice) out.cudaDevice = i.cudaDevice;
  if (l.fallbackReason) out.fallbackReason = l.fallbackReason;
  return out;
}

/** Sets the CPU thread-pool size (no effect on the js backend, which is single-threaded). */
export function setThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 256) {
    throw badInput('n', 'an integer thread count in 1..256', String(n));
  }
  active().addon?.setThreads(n);
}

/**
 * Streaming-read bandwidth in GB/s measured by the addon: the best of `runs` STREAM-style reads of a `bytes` buffer
 * on `threads` threads (default: the whole pool); null on the js backend.
 */
export function readBandwidthProbe(bytes: number, runs = 5, threads?: number): number | null {
  const { addon } = active();
  if (!addon || typeof addon.readBandwidthProbe !== 'function') return null;
  return addon.readBandwidthProbe(bytes, runs, threads ?? addon.info().threads);
}

/** Register-only FMA throughput in GFLOP/s on `threads` threads (the widest ISA, or `isa`); null when unavailable. */
export function fmaPeakProbe(threads?: number, isa?: string): number | null {
  const { addon } = active();
  if (!addon || typeof addon.fmaPeakProbe !== 'function') return null;
  return addon.fmaPeakProbe(threads ?? addon.info().threads, isa);
}
