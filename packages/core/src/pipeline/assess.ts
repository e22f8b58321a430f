/**
 * The pipeline's last two steps on the judge output: choose tau on the calibration split (the lead's
 * calibrateThreshold: Learn-Then-Test with a binomial bound) and report the test split (evaluateScores), for the
 * trained judge and the zero-shot baseline, against the reference-based label z.
 */
import { join } from 'node:path';
import { calibrateThreshold, type CalibrationResult } from '../decide/index.js';
import { evaluateScores, type EvaluationReport } from '../metrics/index.js';
import type { CalibrateConfig } from '../config/index.js';
import { writeJsonAtomic } from '../infra/atomic.js';
import { readJsonl } from '../infra/jsonl.js';

interface Row {
  id?: string;
  split?: string;
  score: number;
  z0: number;
  z: number;
  category?: string;
}

export interface Assessment {
  calibration: CalibrationResult;
  test: {
    n: number;
    trained?: EvaluationReport;
    zeroShot?: EvaluationReport;
    /** At tau on the test split: share answered and share of answered that are bad. */
    selection: { tau: number | null; coverage: number; risk: number; answered: number };
    /** Best-of-N on the test split: mean label of the top-scored sample per id vs the mean over all samples. */
    bestOfN?: { ids: number; pickedMeanZ: number; averageMeanZ: number; zeroShotPickedMeanZ: number };
  };
  counts: Record<string, number>;
}

async function readRows(file: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const l of readJsonl(file)) {
    const v = l.value;
    if (!v || typeof v.score !== 'number' || typeof v.z !== 'number') continue;
    rows.push({ id: typeof v.id === 'string' ? v.id : undefined, split: v.split as string | undefined, score: v.score, z0: typeof v.z0 === 'number' ? v.z0 : NaN, z: v.z, category: v.category as string | undefined });
  }
  return rows;
}

function tryEval(scores: number[], grades: number[], c: CalibrateConfig, categories: string[]): EvaluationReport | undefined {
  try {
    return evaluateScores(scores, grades, { maxGrade: 9, badBelow: c.badBelow, categories });
  } catch {
    return undefined; // too few items, or constant scores: nothing meaningful to report
  }
}

function bestOfN(rows: Row[]): Assessment['test']['bestOfN'] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) if (r.id !== undefined) (groups.get(r.id) ?? groups.set(r.id, []).get(r.id)!).push(r);
  const multi = [...groups.values()].filter((g) => g.length > 1);
  if (!multi.length) return undefined;
  const pick = (g: Row[], by: (r: Row) => number) => g.reduce((b, r) => (by(r) > by(b) ? r : b));
  const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
  return {
    ids: multi.length,
    pickedMeanZ: mean(multi.map((g) => pick(g, (r) => r.score).z)),
    averageMeanZ: mean(multi.map((g) => mean(g.map((r) => r.z)))),
    zeroShotPickedMeanZ: mean(multi.map((g) => pick(g, (r) => r.z0).z)),
  };
}

export async function assess(judgeFile: string, outDir: string, c: CalibrateConfig): Promise<Assessment> {
  const rows = await readRows(judgeFile);
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.split ?? 'none'] = (counts[r.split ?? 'none'] ?? 0) + 1;
  const cal = rows.filter((r) => r.split === 'calibrate');
  const test = rows.filter((r) => r.split === 'test');
  const calibration = calibrateThreshold({ scores: cal.map((r) => r.score), bad: cal.map((r) => r.z < c.badBelow), targetRisk: c.targetRisk, delta: c.delta });
  writeJsonAtomic(join(outDir, 'calibrate', 'calibration.json'), calibration);
  const tau = calibration.tau;
  const answered = tau === null ? [] : test.filter((r) => r.score >= tau);
  const selection = {
    tau,
    answered: answered.length,
    coverage: test.length ? answered.length / test.length : 0,
    risk: answered.length ? answered.filter((r) => r.z < c.badBelow).length / answered.length : 0,
  };
  const cats = test.map((r) => r.category ?? 'unknown');
  const z = test.map((r) => r.z);
  const report = {
    n: test.length,
    bestOfN: bestOfN(test),
    trained: tryEval(test.map((r) => r.score), z, c, cats),
    zeroShot: tryEval(test.map((r) => r.z0), z, c, cats),
    selection,
  };
  writeJsonAtomic(join(outDir, 'eval', 'report.json'), report);
  return { calibration, test: report, counts };
}
