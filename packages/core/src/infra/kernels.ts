/**
 * The engine's door to @selfj/native (cosine and judge-head kernels). Loaded once, lazily, so that modules which
 * never touch a kernel (label, select) do not load the addon. The types are the native package's own.
 */
import type * as Native from '@selfj/native';
import { SelfjError } from '../errors.js';

export type { AdamWState, JudgeHeadTrainStepArgs } from '@selfj/native';

export type NativeKernels = Pick<
  typeof Native,
  'cosineRows' | 'judgeHeadForward' | 'judgeHeadTrainStep' | 'createAdamWState' | 'info'
>;

let loaded: Promise<NativeKernels> | undefined;

export function kernels(): Promise<NativeKernels> {
  loaded ??= (async () => {
    const mod = (await import('@selfj/native')) as Partial<NativeKernels>;
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
