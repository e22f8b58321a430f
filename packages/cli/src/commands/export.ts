import type { CommandModule } from 'yargs';
import { mergeTemplates, runExport } from '@selfj/core';
import { commonOptions, loadConfig, report, stageIo, stageLine, withAbort, type CommonArgs } from './engine-support.js';

interface Args extends CommonArgs {
  input: string;
  out: string;
  'base-model': string;
  chat: boolean;
  processes: number;
  seed: number;
}

/** `selfj export`: paired teacher/student data + a PEFT/accelerate launch folder, to train a LoRA judge on GPUs. */
const command: CommandModule<object, Args> = {
  command: 'export',
  describe: 'Write the paired teacher/student data set and a LoRA launch config (PEFT under accelerate/torchrun)',
  builder: (y) =>
    commonOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Labelled records (label output)' })
      .option('out', { type: 'string', default: 'selfj-out/export', describe: 'Output directory (records.jsonl + launch/)' })
      .option('base-model', { type: 'string', default: 'Qwen/Qwen2.5-0.5B-Instruct', describe: 'Hugging Face model to fine-tune (id or path)' })
      .option('chat', { type: 'boolean', default: true, describe: 'Prompts as chat messages (rendered with the model chat template); --no-chat for plain text' })
      .option('processes', { type: 'number', default: 8, describe: 'GPUs for the accelerate/torchrun config' })
      .option('seed', { type: 'number', default: 0 }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    await withAbort(async (signal) => {
      const r = await runExport({
        dir: args.out,
        input: args.input,
        templates: mergeTemplates(cfg.templates),
        chat: args.chat,
        baseModel: args['base-model'],
        processes: args.processes,
        seed: args.seed,
        ...stageIo(args, signal, cfg),
      });
      report(args, { ...r, manifest: undefined }, `${stageLine('export', r)}\nlaunch: sh ${r.launchDir}/launch.sh (see docs/lora-export.md)`);
    });
  },
};
export default command;
