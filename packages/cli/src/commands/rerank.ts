import { z } from 'zod';
import { readTau, runRerank } from '@selfj/core/decide';
import { defineCommand } from '../options/command.js';
import { ioFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, stageIo, withSession } from '../session.js';
import { thresholdFlags } from './select.js';

const flags = {
  ...stageFlags,
  ...ioFlags('rerank', 'Judged samples (judge output, several per id)'),
  ...thresholdFlags,
  'id-field': { schema: z.string().min(1).default('id'), describe: 'Field with the instruction id that groups the samples' },
} as const;

/** `selfj rerank`: best-of-N by judge score; decline when even the best is below tau. */
export default defineCommand({
  command: 'rerank',
  describe: 'Best-of-N: keep the highest-scored response per instruction id; decline when even the best < tau',
  flags,
  run: async ({ args, own }) => {
    const source = own.tau ?? own.threshold;
    const tau = source === undefined ? -Infinity : readTau(source);
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const r = await runRerank({ dir: own.out, input: own.input, tau, scoreField: own['score-field'], idField: own['id-field'], ...stageIo(s, own.force) });
      report(
        args,
        { ...r },
        r.status === 'skipped'
          ? `rerank: already complete for this config (${r.dir}); use --force to redo`
          : `rerank: ${r.ids} ids, ${r.answered} answered, ${r.ids - r.answered} declined${r.rejected ? `, ${r.rejected} rejected` : ''} -> ${r.recordsFile}`,
      );
    });
  },
});
