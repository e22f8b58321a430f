/** Public types of @selfj/native (see docs/dev/NATIVE-CONTRACT.md). */

export interface JudgeHeadForwardArgs {
  /** [n*dim] features, row-major. */
  h: Float32Array;
  /** [bins*dim] head weights. */
  w: Float32Array;
  /** [bins] head bias. */
  bias: Float32Array;
  /** [n*bins] per-row additive logit offset (zero-shot digit log-probs); absent = 0. */
  offset?: Float32Array | null;
  dim: number;
  bins: number;
  probsOut?: Float32Array | null;
  scoresOut?: Float32Array | null;
}

export interface JudgeHeadForwardResult {
  /** [n*bins] softmax probabilities. */
  probs: Float32Array;
  /** [n] expected bin index sum_k k*p_k. */
  scores: Float32Array;
}

export interface AdamWState {
  mW: Float32Array;
  vW: Float32Array;
  mB: Float32Array;
  vB: Float32Array;
  /** Number of steps taken; incremented before each update (PyTorch semantics). */
  step: number;
}

export interface JudgeHeadTrainStepArgs {
  hTeacher: Float32Array;
  hStudent: Float32Array;
  offsetTeacher?: Float32Array | null;
  offsetStudent?: Float32Array | null;
  targets: Float32Array;
  sampleWeights?: Float32Array | null;
  w: Float32Array;
  bias: Float32Array;
  dim: number;
  bins: number;
  state: AdamWState;
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  studentWeight?: number;
  klWeight?: number;
}

export interface JudgeHeadLoss {
  loss: number;
  ceTeacher: number;
  ceStudent: number;
  kl: number;
}

/** Train-step hyper-parameters with every default filled in. */
export interface TrainHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  studentWeight: number;
  klWeight: number;
}

export const DEFAULT_HYPER: Readonly<TrainHyper> = Object.freeze({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  studentWeight: 0.3,
  klWeight: 2,
});

export type BackendName = 'cuda' | 'cpu' | 'js';

export type KernelName = 'cosineRows' | 'cosineMatrix' | 'judgeHeadForward' | 'judgeHeadTrainStep';

/** How each kernel's CPU ISA was chosen (see docs/native.md, "ISA dispatch"). */
export interface DispatchInfo {
  /**
   * measured by this process (and cached) | read from the cache (also when this process measured but another one
   * cached its choice first: `reason` says so) | forced by SELFJ_NATIVE_ISA | SELFJ_NATIVE_TUNE=0 | not possible.
   */
  source: 'measured' | 'cache' | 'forced' | 'off' | 'unavailable';
  /** The ISA each kernel runs on. */
  kernels: Record<KernelName, string>;
  /** Best milliseconds per call of each kernel on each candidate ISA (small problem), of the measurement in use. */
  timingsMs?: Record<string, Record<string, number>>;
  /** When the measurement in use was taken. */
  measuredAt?: string;
  /** Whether it was taken under load (its thread had a CPU for under half of the wall time; cpuShare is that share). */
  underLoad?: boolean;
  cpuShare?: number;
  /** Wall time of the measurement, when it ran in this process, and the CPU time it used (the bounded part: wall time
   * also counts waiting for a core that other processes hold). */
  tuneMs?: number;
  tuneCpuMs?: number;
  cacheFile?: string;
  reason?: string;
}
export interface NativeInfo {
  backend: BackendName;
  /** The widest CPU ISA available (or the one forced by SELFJ_NATIVE_ISA); `kernels` says what each kernel runs. */
  isa: string;
  threads: number;
  cudaCompiled: boolean;
  cudaDevice?: string;
  addonPath?: string;
  /** Addon (package) version. */
  version?: string;
  /** Every CPU ISA this CPU and build can run, widest first. */
  isas?: string[];
  /** The ISA SELFJ_NATIVE_ISA forces on every kernel, when it names a usable one. */
  forcedIsa?: string;
  /** Per-kernel ISA choice and how it was made (CPU addon only). */
  kernels?: Record<KernelName, string>;
  dispatch?: DispatchInfo;
  fallbackReason?: string;
}

/** The raw N-API addon (see docs/dev/NATIVE-CONTRACT.md); every function validates its own arguments. */
export interface RawAddon {
  cosineRows(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array;
  cosineMatrix(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array;
  judgeHeadForward(h: Float32Array, w: Float32Array, bias: Float32Array, offset: Float32Array | null, dim: number,
    bins: number, probsOut: Float32Array | null, scoresOut: Float32Array | null): { probs: Float32Array; scores: Float32Array };
  judgeHeadTrainStep(args: Record<string, unknown>): { loss: number; ceTeacher: number; ceStudent: number; kl: number };
  info(): {
    backend: string; isa: string; threads: number; cudaCompiled: boolean; cudaDevice?: string; version?: string;
    kernels?: Record<string, string>; isas?: string[]; forcedIsa?: string;
  };
  setBackend(name: 'cpu' | 'cuda'): boolean;
  setThreads(n: number): void;
  /** Best GB/s over `runs` STREAM-style reads of a `bytes` buffer on `threads` threads. */
  readBandwidthProbe(bytes: number, runs: number, threads: number): number;
  /** Best GFLOP/s of register-only FMAs on `threads` threads (the widest ISA, or `isa`; null when unsupported). */
  fmaPeakProbe?(threads: number, isa?: string): number | null;
  tuneKernels?(reps: number, budgetMs: number):
    { isas: string[]; ms: Record<string, Record<string, number>>; totalMs: number; cpuMs?: number };
  setKernelIsa?(kernel: string, isa: string): boolean;
  benchDevice?(kernel: string, n: number, nb: number, dim: number, bins: number, iters: number):
    { msPerCall: number; bytesPerCall: number } | null;
}
