/** Stage 7b, select: answer iff score >= tau; every item gets its decision, score and the reason. */
import { SelfjError } from '../errors.js';
import { readJsonFile } from '../infra/atomic.js';
import { readJsonl } from '../infra/jsonl.js';
import { runStage, type StageRunResult } from '../infra/stage-runner.js';
import { inputIdentity, num, recordKey, runnerCommon, stageHash, type StageCommon } from '../stages/common.js';

export interface SelectStageOptions extends StageCommon {
  input: string;
  /** The threshold; null means nothing was certified, so every item is declined. */
  tau: number | null;
  scoreField?: string;
}

export interface Decision {
  decision: 'answer' | 'decline';
  reason: string;
}

export function decide(score: number, tau: number | null): Decision {
  if (tau === null) return { decision: 'decline', reason: 'no threshold meets the target risk on the calibration set' };
  return score >= tau
    ? { decision: 'answer', reason: `score ${score.toFixed(3)} >= tau ${tau.toFixed(3)}` }
    : { decision: 'decline', reason: `score ${score.toFixed(3)} < tau ${tau.toFixed(3)}` };
}

/** tau from a number, or from a calibration result file ({tau: number | null, ...}). */
export function readTau(source: string | number): number | null {
  if (typeof source === 'number') return source;
  if (/^-?\d+(\.\d+)?$/.test(source)) return Number(source);
  const c = readJsonFile<{ tau?: unknown }>(source, 'calibration file');
  if (!c || !('tau' in c) || (c.tau !== null && typeof c.tau !== 'number')) {
    throw new SelfjError('BAD_INPUT', `${source} is not a calibration result (expected a JSON object with "tau").`, {
      solutions: ['Pass a number (--tau 6.5) or the output of `selfj calibrate`'],
    });
  }
  return c.tau as number | null;
}

export async function runSelect(o: SelectStageOptions): Promise<StageRunResult> {
  const input = await inputIdentity(o.input);
  const field = o.scoreField ?? 'score';
  const configHash = stageHash({ stage: 'select', tau: o.tau, field, input: input.configHash });
  return runStage<Record<string, unknown>, Record<string, unknown>>({
    stage: 'select',
    dir: o.dir,
    manifest: { configHash, config: { tau: o.tau, scoreField: field }, input },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      num(v, field);
      let key: string;
      try {
        key = recordKey(v);
      } catch {
        key = `line-${line.line}`;
      }
      return { key, value: v };
    },
    async process(batch) {
      return batch.map((r) => Object.assign(r, decide(r[field] as number, o.tau)));
    },
    batchSize: 512,
    ...runnerCommon(o),
  });
}
