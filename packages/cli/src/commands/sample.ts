import { assertUnlocked, stageRunDir } from '@selfj/core/infra';
import { runSample } from '@selfj/core/stages';
import { defineCommand } from '../options/command.js';
import { ioFlags, modelFlags, shardFlags, stageFlags, upstreamFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, shardNote, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  ...shardFlags,
  ...upstreamFlags,
  ...ioFlags('sample', 'Instructions JSONL: {id, instruction, reference, category?} (field names: config data.fields)'),
  samples: { setting: 'sample.samples' },
  temperature: { setting: 'sample.temperature' },
  'top-p': { setting: 'sample.topP' },
  'max-tokens': { setting: 'sample.maxTokens' },
  stop: { setting: 'sample.stop' },
  sampler: { setting: 'sample.sampler' },
  limit: { setting: 'data.limit' },
} as const;

/** `selfj sample`: the policy answers each instruction N times (stage 1). */
export default defineCommand({
  command: 'sample',
  describe: 'Stage 1: sample N responses per instruction from the policy (resumable)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    // A second run on the same directory fails here, before a model is opened.
    assertUnlocked(stageRunDir(own.out, own.shard));
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const sampler = await s.registry.create('samplers', config.sample.sampler, {}, s.ctx);
      try {
        const r = await runSample({
          dir: own.out,
          input: own.input,
          sampler,
          config: config.sample,
          fields: config.data.fields,
          limit: config.data.limit,
          seed: config.seed,
          concurrency: config.backend.concurrency,
          // As `selfj run` does: an external grade in the data travels with every sample.
          carry: config.grade.field ? [config.grade.field] : [],
          shard: own.shard,
          onConfigChange: own['on-config-change'],
          ...stageIo(s, own.force),
        });
        report(args, { ...r, manifest: undefined, shard: own.shard }, `${stageLine('sample', r)}${shardNote(own.shard, own.out)}`);
      } finally {
        await sampler.close?.();
      }
    });
  },
});
