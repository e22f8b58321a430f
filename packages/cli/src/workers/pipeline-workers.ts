/**
 * `selfj run --workers N`: every stage config.workers lists runs as N local `selfj <stage> --shard i/N` processes
 * (core's runShardWorkers: restarts a failed one, which resumes; one log per shard), is merged, and the pipeline
 * goes on. With `--print-commands` the same commands are printed for a scheduler instead. Both read the config
 * this run resolved (file + flags), written once to <out>/workers/config.json, so a worker computes exactly the
 * artifact this process would have.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeStageShards, runShardWorkers, shardCommandLines, shardDirName, shellQuote, upstreamFor, writeJsonAtomic, type Logger, type StageShard } from '@selfj/core/infra';
import { pipelineInput, stageJob, SelfjError, type SelfjConfig, type ShardableStage, type StageJob } from '@selfj/core';
import { policyId } from '../session.js';

/** The built CLI entry point that worker processes run. */
const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

/** Stages whose model is the policy: their workers take it from workers.upstreams. */
const POLICY_STAGES: ShardableStage[] = ['sample', 'self-eval', 'train', 'judge'];

/**
 * Writes the config the workers run with: this run's resolved config, with what came from flags that are not
 * settings folded in (--model, --threads), the field names stage 1 actually reads, and plugin paths made absolute.
 */
export function writeWorkerConfig(config: SelfjConfig, from: { configFile?: string; model?: string; threads?: number }): string {
  const base = from.configFile ? dirname(resolve(from.configFile)) : process.cwd();
  const worker: SelfjConfig = {
    ...config,
    plugins: config.plugins.map((p) => (p.startsWith('.') ? resolve(base, p) : p)),
    backend: { ...config.backend, id: policyId(config, from.model), options: { ...config.backend.options, ...(from.threads ? { threads: from.threads } : {}) } },
    data: { ...config.data, fields: pipelineInput(config).fields },
  };
  const path = join(config.out, 'workers', 'config.json');
  writeJsonAtomic(path, worker);
  return path;
}

/** The stage command of a job (without the program, the shard and the upstream). */
export function stageArgv(job: StageJob, configPath: string): string[] {
  return [
    job.stage,
    '--config',
    configPath,
    '--input',
    job.input,
    '--out',
    job.dir,
    ...(job.splits ? ['--splits'] : []),
    ...(job.onlySplit ? ['--split', job.onlySplit] : []),
    ...(job.judge ? ['--judge', job.judge] : []),
  ];
}

/** What every shard adds: its policy replica (when workers.upstreams lists any), and redoing older work. */
function shardExtra(config: SelfjConfig, stage: ShardableStage): (shard: StageShard) => string[] {
  const ups = config.workers.upstreams;
  return (shard) => [...(ups.length && POLICY_STAGES.includes(stage) ? ['--upstream', upstreamFor(shard, ups)] : []), '--on-config-change', 'redo'];
}

export interface DistributeOptions {
  config: SelfjConfig;
  configPath: string;
  force: boolean;
  signal?: AbortSignal;
  logger?: Logger;
  say(line: string): void;
}

/** Runs the N shards of one stage as local processes, then merges them into job.shardsDir (older work replaced). */
export async function distributeStage(job: StageJob, o: DistributeOptions): Promise<void> {
  const count = o.config.workers.count;
  const logDir = join(o.config.out, 'logs', 'workers', job.stage);
  const argv = [BIN, ...stageArgv(job, o.configPath), ...(o.force ? ['--force'] : [])];
  const extra = shardExtra(o.config, job.stage);
  o.say(`selfj run: ${job.stage} as ${count} shard processes (logs in ${logDir})`);
  await runShardWorkers({
    count,
    parallel: o.config.workers.parallel,
    retries: o.config.workers.retries,
    logDir,
    signal: o.signal,
    logger: o.logger,
    worker: (shard) => ({ command: process.execPath, args: [...argv, ...extra(shard), '--shard', `${shard.index}/${shard.count}`] }),
  });
  // Exactly this split's shards: an older split (another N) may still lie beside them.
  const inputs = Array.from({ length: count }, (_, index) => join(job.shardsDir, shardDirName({ index, count })));
  await mergeStageShards({ inputs, out: job.shardsDir, force: o.force, onConfigChange: 'redo', logger: o.logger });
}

export type PlanStep = { stage: ShardableStage; shards: string[]; merge: string } | { run: string; note: string };

const PROGRAM = 'selfj';

/**
 * The pipeline as steps for a scheduler: for each distributed stage its N shard commands (any machines, at the
 * same time) and its merge; the stages in between as `selfj run --until <stage>` (complete stages are skipped).
 */
export function workerPlan(config: SelfjConfig, configPath: string): PlanStep[] {
  const { source, loaded } = pipelineInput(config);
  const count = config.workers.count;
  const trainer = config.train.trainer;
  if (config.workers.stages.includes('judge') && !config.judge.id && trainer !== 'head' && trainer !== 'lora') {
    throw new SelfjError('BAD_CONFIG', `--print-commands cannot know which judge trainer "${trainer}" will make, so it cannot write the judge commands.`, {
      solutions: ['Set judge.id in the config to the judge the trainer makes', 'Or leave "judge" out of workers.stages'],
    });
  }
  const trainedJudge = trainer === 'head' ? `head:${join(config.out, 'train')}` : undefined;
  const run = (until?: string) => [PROGRAM, 'run', '--config', configPath, '--workers', '1', ...(until ? ['--until', until] : [])].map(shellQuote).join(' ');
  const steps: PlanStep[] = [];
  let pending: string | undefined = loaded ? 'data' : undefined;
  let headNext = false;
  const flush = () => {
    if (pending) steps.push({ run: run(pending), note: headNext && pending === 'train' ? 'train the head once, on the merged features' : `the stages up to ${pending}` });
    pending = undefined;
    headNext = false;
  };
  for (const stage of ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge'] as const) {
    if (!config.workers.stages.includes(stage)) {
      pending = stage;
      continue;
    }
    flush();
    const job = stageJob(config, stage, { source, trainedJudge });
    const shards = shardCommandLines([PROGRAM, ...stageArgv(job, configPath)], count, shardExtra(config, stage));
    steps.push({ stage, shards, merge: [PROGRAM, 'merge', job.shardsDir].map(shellQuote).join(' ') });
    // The head trains once, on the merged features.
    if (stage === 'train') [pending, headNext] = ['train', true];
  }
  steps.push({ run: run(), note: 'the rest of the pipeline' });
  return steps;
}

/** The plan as a shell script with a comment per step. */
export function describePlan(steps: PlanStep[], configPath: string, count: number): string {
  const lines = [
    `# selfj run with ${count} shard processes per sharded stage, as commands for a scheduler (docs/scale-out.md).`,
    '# Run the steps in order, each after the one before has finished; the shard commands of a step may run at the',
    `# same time, on any machines that see the same paths (relative ones from this directory). Every command reads`,
    `# ${configPath}.`,
  ];
  steps.forEach((s, i) => {
    if ('run' in s) lines.push(`# ${i + 1}. ${s.note}, in one process (complete stages are skipped)`, s.run);
    else lines.push(`# ${i + 1}. ${s.stage}: ${s.shards.length} shards, then merge`, ...s.shards, s.merge);
  });
  return lines.join('\n');
}
