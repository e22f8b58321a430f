import { z } from 'zod';
import { SelfjError } from '@selfj/core';
import { readTau, runSelect } from '@selfj/core/decide';
import { defineCommand } from '../options/command.js';
import { ioFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, stageIo, stageLine, withSession } from '../session.js';

/** The threshold flags select and rerank share. */
export const thresholdFlags = {
  tau: { schema: z.number().finite().optional(), describe: 'The threshold as a number' },
  threshold: { schema: z.string().min(1).optional(), describe: 'A threshold file written by `selfj calibrate`' },
  'score-field': { schema: z.string().min(1).default('score'), describe: 'Field with the judge score' },
} as const;

const flags = { ...stageFlags, ...ioFlags('select', 'Judged items (judge output)'), ...thresholdFlags } as const;

/** `selfj select`: answer iff score >= tau, with the reason. */
export default defineCommand({
  command: 'select',
  describe: 'Apply the threshold tau: each item answered or declined, with its score and the reason',
  flags,
  run: async ({ args, own }) => {
    const source = own.tau ?? own.threshold;
    if (source === undefined) throw new SelfjError('BAD_INPUT', 'select needs --tau <number> or --threshold <file from selfj calibrate>.');
    const tau = readTau(source);
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const r = await runSelect({ dir: own.out, input: own.input, tau, scoreField: own['score-field'], ...stageIo(s, own.force) });
      report(args, { ...r, manifest: undefined, tau }, `${stageLine('select', r)} (tau ${tau ?? 'none: decline all'})`);
    });
  },
});
