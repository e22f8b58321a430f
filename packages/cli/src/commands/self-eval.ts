import { describeDigitMass, mergeTemplates, recordDigitMass, runSelfEval } from '@selfj/core';
import { defineCommand } from '../options/command.js';
import { ioFlags, modelFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  ...ioFlags('self-eval', 'Sample records (records.jsonl of `selfj sample`)'),
  'min-digit-mass': { setting: 'scoring.minDigitMass' },
} as const;

/** `selfj self-eval`: the policy rates its responses from digit probabilities, with (z1) and without (z0) reference. */
export default defineCommand({
  command: 'self-eval',
  describe: 'Stage 2: self-evaluation z1 (with reference) and zero-shot z0 (reference-free) from digit probabilities',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const r = await runSelfEval({
        dir: own.out,
        input: own.input,
        backend: await s.ctx.policy(),
        templates: mergeTemplates(config.templates),
        batchSize: config.backend.batchSize,
        concurrency: config.backend.concurrency,
        minDigitMass: config.scoring.minDigitMass,
        ...stageIo(s, own.force),
      });
      const digitMass = await recordDigitMass(r.dir, config.scoring.minDigitMass, s.logger);
      report(args, { ...r, manifest: undefined, digitMass }, `${stageLine('self-eval', r)}${digitMass ? `\n${describeDigitMass(digitMass)}` : ''}`);
    });
  },
});
