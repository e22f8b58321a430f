/** Flag blocks several commands share (one definition each; a command spreads the blocks it needs). */
import { z } from 'zod';
import { isSelfjError } from '@selfj/core';
import { parseShardSpec, type StageShard } from '@selfj/core/infra';
import type { FlagSpecs } from './flags.js';

/** Where the config and plugins come from. */
export const configFlags = {
  config: { schema: z.string().min(1).optional(), describe: 'Pipeline config file (JSON); fills in every flag marked [config: ...]' },
  plugin: { schema: z.array(z.string().min(1)).default([]), describe: 'Plugin package or module file to load (repeatable; added to the config\'s "plugins")' },
} satisfies FlagSpecs;

/** What every stage command takes: the config, bad-record policy, --force, a log file. */
export const stageFlags = {
  ...configFlags,
  'on-bad-record': { setting: 'onBadRecord', describe: 'Stop at a bad record (fail), or write it to rejects.jsonl and go on (skip); default fail' },
  force: { schema: z.boolean().default(false), describe: 'Redo the stage even when its artifact is complete' },
  'log-file': { schema: z.string().min(1).optional(), describe: 'Append structured JSON log events to this file' },
} satisfies FlagSpecs;

/** Which model and how hard to drive it. */
export const modelFlags = {
  backend: { setting: 'backend.id', describe: 'Backend id "<scheme>:<model>", e.g. openai:http://host:8000/v1#name (default: llama-cpp:default, the default model)' },
  model: { schema: z.string().min(1).optional(), describe: 'Shortcut for --backend llama-cpp:<model> (a .gguf path or hf:owner/repo/file.gguf)' },
  threads: { schema: z.int().min(1).max(1024).optional(), describe: 'CPU threads for an in-process backend (passed as the backend option "threads"; llama-cpp uses 1 when unset)' },
  'batch-size': { setting: 'backend.batchSize' },
  concurrency: { setting: 'backend.concurrency' },
  seed: { setting: 'seed' },
} satisfies FlagSpecs;

/** Input file and stage directory of a stage command. */
export function ioFlags(stage: string, input: string) {
  return {
    input: { schema: z.string().min(1), demand: true, describe: input },
    out: { schema: z.string().min(1).default(`selfj-out/${stage}`), describe: 'Stage directory (records.jsonl, manifest.json, rejects.jsonl)' },
  } satisfies FlagSpecs;
}

/** `--shard i/N | auto`, read with core's parseShardSpec; a bad spec is a flag error like any other. */
const shardSpec = z
  .string()
  .min(1)
  .optional()
  .transform((spec, ctx): StageShard | undefined => {
    if (spec === undefined) return undefined;
    try {
      return parseShardSpec(spec);
    } catch (e) {
      // The reason and what to do, on the flag's line of the command-line problems.
      const reason = (e as Error).message.split('\nPossible solutions:')[0].replace(/\.$/, '');
      const fixes = isSelfjError(e) && e.solutions.length ? ` (${e.solutions.join('; ')})` : '';
      ctx.addIssue({ code: 'custom', message: `${reason}${fixes}`, input: spec });
      return z.NEVER;
    }
  });

/** Running one part of a stage, merged later with `selfj merge` (docs/scale-out.md); what to do with older work. */
export const shardFlags = {
  'on-config-change': {
    schema: z.enum(['refuse', 'redo']).default('refuse'),
    describe: 'When --out (or the shard) holds work made with other settings: refuse (default), or redo it as `selfj run` does (its workers use this)',
  },
  shard: {
    schema: shardSpec,
    describe:
      'Run only shard i of N (0-based, e.g. 0/4) into <out>/shard-i-of-N, or "auto": the shard the scheduler gives (SELFJ_SHARD_INDEX + SELFJ_SHARD_COUNT, a Kubernetes Indexed Job, a SLURM job array). Join the shards with `selfj merge <out>`',
  },
} satisfies FlagSpecs;

/** Stages whose model is the policy: take it from a replica (what `selfj run --workers` does with workers.upstreams). */
export const upstreamFlags = {
  upstream: {
    schema: z.string().min(1).optional(),
    describe: "Send this stage's model calls to this backend id, a server with the same model as --backend (which the artifact records), e.g. one vLLM replica per shard",
  },
} satisfies FlagSpecs;
