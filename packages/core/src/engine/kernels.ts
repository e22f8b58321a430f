/**
 * The engine's door to @selfj/native (cosine and judge-head kernels). Loaded once, lazily, so that modules which
 * never touch a kernel (label, select) do not load the addon. Types mirror docs/dev/NATIVE-CONTRACT.md.
 */
import { SelfjError } from '../errors.js';

export interface AdamWState {
  mW: Float32Array;
  vW: Float32Array;
  mB: Float32Array;
  vB: Float32Array;
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
  weightDecay?: number;
  studentWeight?: number;
  klWeight?: number;
}

export interface NativeKernels {
  cosineRows(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array;
  judgeHeadForward(args: {
    h: Float32Array;
    w: Float32Array;
    bias: Float32Array;
    offset?: Float32Array | null;
    dim: number;
    bins: number;
  }): { probs: Float32Array; scores: Float32Array };
  judgeHeadTrainStep(args: JudgeHeadTrainStepArgs): { loss: number; ceTeacher: number; ceStudent: number; kl: number };
  createAdamWState(dim: number, bins: number): AdamWState;
  info(): { backend: string; isa: string; threads: number };
}

let loaded: Promise<NativeKernels> | undefined;

export function kernels(): Promise<NativeKernels> {
  loaded ??= (async () => {
    const mod = (await import('@selfj/native')) as unknown as Partial<NativeKernels>;
    for (const fn of ['cosineRows', 'judgeHeadForward', 'judgeHeadTrainStep', 'createAdamWState'] as const) {
      if (typeof mod[fn] !== 'function') {
        throw new SelfjError('NATIVE', `@selfj/native does not export ${fn}.`, {
          solutions: ['Build the native package: npx nx run @selfj/native:build'],
        });
      }
    }
    return mod as NativeKernels;
  })();
  return loaded;
}
