/**
 * Trainer: turns labelled records into a judge. The built-in one trains the small head on the policy's hidden
 * states in-process; the LoRA trainer writes the data set and a launch folder for a GPU cluster; a plugin may
 * launch and watch a job elsewhere. What comes back names the judge to use next (a judge id).
 */
import type { Logger } from '../infra/logger.js';
import type { StageShard } from '../infra/shard.js';

export interface TrainRequest {
  /** Labelled records (the label stage's records.jsonl). */
  input: string;
  /** The trainer's artifact directory. */
  dir: string;
  seed: number;
  /** Train only on records of this split (the label stage's hash split). */
  onlySplit?: string;
  signal?: AbortSignal;
  logger?: Logger;
  progress?: boolean;
  force?: boolean;
  onBadRecord?: 'fail' | 'skip';
  /** Work found made with other settings: refuse (default) or redo. */
  onConfigChange?: 'refuse' | 'redo';
  /** Run only this part of the work (trainers that can: the head trainer extracts one shard of its features). */
  shard?: StageShard;
}

export interface TrainOutcome {
  status: 'done' | 'skipped';
  dir: string;
  seconds: number;
  /** Items trained on. */
  items: number;
  /** The judge id that applies the result (e.g. "head:<dir>"), or undefined when training continues elsewhere. */
  judge?: string;
  /** Trainer-specific numbers (the head trainer: initial and best losses, epochs, validation Pearson). */
  metrics: Record<string, unknown>;
}

export interface Trainer {
  readonly id: string;
  /** False when the trainer cannot run with what it was given (e.g. the backend has no hidden-state features). */
  readonly available: boolean;
  /** Why it is not available, for the user. */
  readonly unavailableReason?: string;
  train(request: TrainRequest): Promise<TrainOutcome>;
}
