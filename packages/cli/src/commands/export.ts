import { z } from 'zod';
import { mergeTemplates } from '@selfj/core/stages';
import { runExport } from '@selfj/core/judge';
import { defineCommand } from '../options/command.js';
import { ioFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, stageIo, stageLine, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...ioFlags('export', 'Labelled records (label output)'),
  'base-model': { schema: z.string().min(1).default('Qwen/Qwen2.5-0.5B-Instruct'), describe: 'Hugging Face model to fine-tune (id or path)' },
  chat: { schema: z.boolean().default(true), describe: 'Prompts as chat messages (rendered with the model chat template); --no-chat for plain text' },
  processes: { schema: z.int().min(1).max(4096).default(8), describe: 'GPUs per machine for the accelerate/torchrun config' },
  nodes: { schema: z.int().min(1).max(4096).default(1), describe: 'Machines for a multi-node launch (accelerate/torchrun/DeepSpeed); the launch config and batch sizes are written for nodes x processes' },
  'data-shards': { schema: z.int().min(1).max(1_000_000).optional(), describe: 'Data files per split (row j goes to file j mod N; default nodes x processes, one per training process)' },
  seed: { setting: 'seed' },
} as const;

/** `selfj export`: paired teacher/student data + a PEFT/accelerate launch folder, to train a LoRA judge on GPUs. */
export default defineCommand({
  command: 'export',
  describe: 'Write the paired teacher/student data set and a LoRA launch config (PEFT under accelerate/torchrun)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const r = await runExport({
        dir: own.out,
        input: own.input,
        templates: mergeTemplates(config.templates),
        chat: own.chat,
        baseModel: own['base-model'],
        processes: own.processes,
        nodes: own.nodes,
        dataShards: own['data-shards'],
        seed: config.seed,
        ...stageIo(s, own.force),
      });
      report(args, { ...r, manifest: undefined }, `${stageLine('export', r)}\nlaunch: sh ${r.launchDir}/launch.sh (see docs/lora-export.md)`);
    });
  },
});
