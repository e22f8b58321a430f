import { assertUnlocked, stageRunDir } from '@selfj/core/infra';
import { describeDigitMass, mergeTemplates, recordDigitMass, runSelfEval } from '@selfj/core/stages';
import { defineCommand } from '../options/command.js';
import { ioFlags, modelFlags, shardFlags, stageFlags, upstreamFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, shardNote, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  ...shardFlags,
  ...upstreamFlags,
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
    // A second run on the same directory fails here, before a model is opened.
    assertUnlocked(stageRunDir(own.out, own.shard));
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const r = await runSelfEval({
        dir: own.out,
        input: own.input,
        backend: await s.ctx.policy(),
        templates: mergeTemplates(config.templates),
        batchSize: config.backend.batchSize,
        concurrency: config.backend.concurrency,
        minDigitMass: config.scoring.minDigitMass,
        shard: own.shard,
          onConfigChange: own['on-config-change'],
        ...stageIo(s, own.force),
      });
      const digitMass = await recordDigitMass(r.dir, config.scoring.minDigitMass, s.logger);
      report(args, { ...r, manifest: undefined, digitMass, shard: own.shard }, `${stageLine('self-eval', r)}${digitMass ? `\n${describeDigitMass(digitMass)}` : ''}${shardNote(own.shard, own.out)}`);
    });
  },
});
