import type { CommandModule } from 'yargs';
import { describeCombine, runLabel, type CombineConfig } from '@selfj/core';
import { commonOptions, loadConfig, report, stageIo, stageLine, withAbort, type CommonArgs } from './engine-support.js';

interface Args extends CommonArgs {
  input: string;
  out: string;
  w1?: number;
  w2?: number;
  bias?: number;
  'z2-floor'?: string;
  clip?: string;
  normalize?: boolean;
}

/** `selfj label`: z = combine(z1, z2). */
const command: CommandModule<object, Args> = {
  command: 'label',
  describe: 'Stage 4: recalibrated label z = combine(z1, z2); default (z1 + 9*max(z2,0))/2 clipped to [0,9]',
  builder: (y) =>
    commonOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Records with z1 and z2 (similarity output)' })
      .option('out', { type: 'string', default: 'selfj-out/label', describe: 'Stage directory' })
      .option('w1', { type: 'number', describe: 'Weight of z1 (default 0.5)' })
      .option('w2', { type: 'number', describe: 'Weight of z2 (default 4.5)' })
      .option('bias', { type: 'number', describe: 'Constant added (default 0)' })
      .option('z2-floor', { type: 'string', describe: 'Floor for z2 before weighting, or "none" (default 0)' })
      .option('clip', { type: 'string', describe: 'Clip range "lo,hi" (default 0,9)' })
      .option('normalize', { type: 'boolean', describe: 'z-normalise each part over the data set first' }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    const c: CombineConfig = { ...cfg.label };
    if (args.w1 !== undefined) c.w1 = args.w1;
    if (args.w2 !== undefined) c.w2 = args.w2;
    if (args.bias !== undefined) c.bias = args.bias;
    if (args['z2-floor'] !== undefined) c.z2Floor = args['z2-floor'] === 'none' ? null : Number(args['z2-floor']);
    if (args.clip) c.clip = args.clip.split(',').map(Number) as [number, number];
    if (args.normalize !== undefined) c.normalize = args.normalize;
    await withAbort(async (signal) => {
      const r = await runLabel({ dir: args.out, input: args.input, config: c, ...stageIo(args, signal, cfg) });
      report(args, { ...r, manifest: undefined, formula: describeCombine(c) }, `${stageLine('label', r)}\nz = ${describeCombine(c)}`);
    });
  },
};
export default command;
