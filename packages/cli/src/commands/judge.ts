import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { assertUnlocked, stageRunDir } from '@selfj/core/infra';
import { describeDigitMass, recordDigitMass } from '@selfj/core/stages';
import { runJudge } from '@selfj/core/judge';
import { defineCommand } from '../options/command.js';
import { ioFlags, modelFlags, shardFlags, stageFlags, upstreamFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, shardNote, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  ...shardFlags,
  ...upstreamFlags,
  ...ioFlags('judge', 'JSONL items with an instruction and a response'),
  judge: {
    setting: 'judge.id',
    describe: 'Judge: a trained judge directory (selfj train --out), "zero-shot", "zero-shot:<backend id>" (another model as an LLM judge), "head:<dir>", or a plugin\'s id (default zero-shot)',
  },
  'instruction-field': { schema: z.string().min(1).default('instruction'), describe: 'Field with the instruction' },
  'response-field': { schema: z.string().min(1).default('response'), describe: 'Field with the response' },
  'reference-field': { schema: z.string().min(1).default('reference'), describe: 'Field with the reference (only judges that use one read it)' },
  'min-digit-mass': { setting: 'scoring.minDigitMass' },
} as const;

/** A judge directory given as --judge is the trained head in it; anything else is a judge id. */
function judgeId(id: string): string {
  if (!id) return 'zero-shot';
  return existsSync(join(id, 'manifest.json')) ? `head:${id}` : id;
}

/** `selfj judge`: scores from any Judge (trained, zero-shot, another model, a plugin's). */
export default defineCommand({
  command: 'judge',
  describe: 'Stage 6: judge scores for (instruction, response) items (trained judge, zero-shot, or any judge id)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    // A second run on the same directory fails here, before a model is opened.
    assertUnlocked(stageRunDir(own.out, own.shard));
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const judge = await s.registry.create('judges', judgeId(config.judge.id), {}, s.ctx);
      try {
        const r = await runJudge({
          dir: own.out,
          input: own.input,
          judge,
          fields: { instruction: own['instruction-field'], response: own['response-field'], reference: own['reference-field'] },
          batchSize: config.backend.batchSize,
          shard: own.shard,
          onConfigChange: own['on-config-change'],
          ...stageIo(s, own.force),
        });
        const digitMass = await recordDigitMass(r.dir, config.scoring.minDigitMass, s.logger);
        const mass = digitMass && Object.keys(digitMass.views).length ? `\n${describeDigitMass(digitMass)}` : '';
        report(args, { ...r, manifest: undefined, judge: judge.id, digitMass, shard: own.shard }, `${stageLine('judge', r)} (judge ${judge.id})${mass}${shardNote(own.shard, own.out)}`);
      } finally {
        await judge.close?.();
      }
    });
  },
});
