import { z } from 'zod';
import { assertUnlocked, stageRunDir } from '@selfj/core/infra';
import { describeCombine, runLabel } from '@selfj/core/stages';
import { defineCommand } from '../options/command.js';
import { ioFlags, shardFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, shardNote, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...shardFlags,
  ...ioFlags('label', 'Records with z1 and z2 (similarity output)'),
  w1: { setting: 'label.w1' },
  w2: { setting: 'label.w2' },
  bias: { setting: 'label.bias' },
  'z2-floor': { setting: 'label.z2Floor', describe: 'Floor for z2 before weighting, or "none" (default 0)' },
  clip: { setting: 'label.clip', describe: 'Clip range "low,high" (default 0,9)' },
  normalize: { setting: 'label.normalize' },
  seed: { setting: 'seed' },
  splits: { schema: z.boolean().default(false), describe: 'Assign each instruction id to a split (config "splits", default train/calibrate/test 0.6/0.2/0.2) by a hash of the id' },
} as const;

/** `selfj label`: z = combine(z1, z2). */
export default defineCommand({
  command: 'label',
  describe: 'Stage 4: recalibrated label z = combine(z1, z2); default (z1 + 9*max(z2,0))/2 clipped to [0,9]',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    assertUnlocked(stageRunDir(own.out, own.shard));
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const c = config.label;
      const r = await runLabel({ dir: own.out, input: own.input, config: c, splits: own.splits ? config.splits : undefined, seed: config.seed, shard: own.shard, onConfigChange: own['on-config-change'], ...stageIo(s, own.force) });
      report(args, { ...r, manifest: undefined, formula: describeCombine(c), shard: own.shard }, `${stageLine('label', r)}\nz = ${describeCombine(c)}${shardNote(own.shard, own.out)}`);
    });
  },
});
