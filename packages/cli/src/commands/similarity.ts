import { assertUnlocked, stageRunDir } from '@selfj/core/infra';
import { runSimilarity } from '@selfj/core/stages';
import { defineCommand } from '../options/command.js';
import { ioFlags, shardFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, shardNote, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...shardFlags,
  ...ioFlags('similarity', 'Records with response and reference (e.g. self-eval output)'),
  embedder: { setting: 'similarity.embedder', describe: 'Embedder id, e.g. static:/path/vectors.bin or openai:http://host/v1#model (default: static word vectors)' },
  scorer: { setting: 'similarity.scorer' },
  'batch-size': { setting: 'similarity.batchSize' },
} as const;

/** `selfj similarity`: z2 = similarity of response and reference (built-in: embedding cosine on the native kernel). */
export default defineCommand({
  command: 'similarity',
  describe: 'Stage 3: similarity z2 between each response and its reference (embedding cosine by default)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    // A second run on the same directory fails here, before an embedder is opened.
    assertUnlocked(stageRunDir(own.out, own.shard));
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const similarity = await s.registry.create('similarities', config.similarity.scorer, {}, s.ctx);
      try {
        const r = await runSimilarity({ dir: own.out, input: own.input, similarity, batchSize: config.similarity.batchSize, shard: own.shard, onConfigChange: own['on-config-change'], ...stageIo(s, own.force) });
        report(args, { ...r, manifest: undefined, shard: own.shard }, `${stageLine('similarity', r)}${shardNote(own.shard, own.out)}`);
      } finally {
        await similarity.close?.();
      }
    });
  },
});
