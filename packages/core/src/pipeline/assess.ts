/**
 * The pipeline's last two steps on the judge output: choose tau on the calibration split (calibrateThreshold:
 * Learn-Then-Test with a binomial test, one sample per instruction id since samples of one instruction are not
 * independent draws) and report the test split (evaluateScores) for the trained judge and the zero-shot baseline.
 * Both are scored against the self-made label z (the method's own target, not an external truth); when the data
 * carries an external grade (config grade.field, e.g. gpt4_score), they are also scored against it.
 */
import { join } from 'node:path';
import { calibrateThreshold, type CalibrationResult } from '../decide/index.js';
import { evaluateScores, type EvaluationReport } from '../metrics/index.js';
import type { CalibrateConfig, SelfjConfig } from '../config/index.js';
import { writeJsonAtomic } from '../infra/atomic.js';
import { readJsonl } from '../infra/jsonl.js';

interface Row {
  id?: string;
  key?: string;
  split?: string;
  score: number;
  z0: number;
  z: number;
  category?: string;
  /** The external grade, when the config names one and the record carries it as a number. */
  grade?: number;
}

/** A scale for metrics: graded loss (max - grade) / (max - min), bad = grade < badBelow. */
interface Scale {
  min: number;
  max: number;
  badBelow: number;
}

export interface Selection {
  tau: number | null;
  coverage: number;
  risk: number;
  answered: number;
}

export interface ExternalGradeReport {
  /** The record field the grade came from. */
  field: string;
  scale: Scale;
  /** Test items that carry the grade. */
  n: number;
  trained?: EvaluationReport;
  zeroShot?: EvaluationReport;
  /** At tau (chosen on the label z): coverage and the share of answered items the external grade calls bad. */
  selection: Selection;
}

export interface Assessment {
  calibration: CalibrationResult;
  test: {
    n: number;
    /** What `trained`, `zeroShot` and `selection` are scored against: the self-made label z. */
    against: 'label z';
    trained?: EvaluationReport;
    zeroShot?: EvaluationReport;
    /** At tau on the test split: share answered and share of answered that are bad. */
    selection: Selection;
    /** Best-of-N on the test split: mean label of the top-scored sample per id vs the mean over all samples. */
    bestOfN?: { ids: number; pickedMeanZ: number; averageMeanZ: number; zeroShotPickedMeanZ: number };
    /** The same against the external grade of the data (config grade.field), when it has one. */
    external?: ExternalGradeReport;
  };
  counts: Record<string, number>;
}

export type AssessConfig = Pick<SelfjConfig, 'calibrate' | 'grade' | 'seed'> & { label: Pick<SelfjConfig['label'], 'clip'> };

async function readRows(file: string, gradeField: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const l of readJsonl(file)) {
    const v = l.value;
    if (!v || typeof v.score !== 'number' || typeof v.z !== 'number') continue;
    const g = gradeField ? v[gradeField] : undefined;
    const grade = typeof g === 'number' && Number.isFinite(g) ? g : typeof g === 'string' && g.trim() !== '' && Number.isFinite(Number(g)) ? Number(g) : undefined;
    rows.push({
      id: typeof v.id === 'string' || typeof v.id === 'number' ? String(v.id) : undefined,
      key: typeof v.key === 'string' ? v.key : undefined,
      split: v.split as string | undefined,
      score: v.score,
      z0: typeof v.z0 === 'number' ? v.z0 : NaN,
      z: v.z,
      category: v.category as string | undefined,
      grade,
    });
  }
  return rows;
}

function tryEval(scores: number[], grades: number[], s: Scale, categories: string[]): EvaluationReport | undefined {
  try {
    return evaluateScores(scores, grades, { minGrade: s.min, maxGrade: s.max, badBelow: s.badBelow, categories });
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

function selection(rows: Row[], tau: number | null, isBad: (r: Row) => boolean): Selection {
  const answered = tau === null ? [] : rows.filter((r) => r.score >= tau);
  return {
    tau,
    answered: answered.length,
    coverage: rows.length ? answered.length / rows.length : 0,
    risk: answered.length ? answered.filter(isBad).length / answered.length : 0,
  };
}

function external(test: Row[], tau: number | null, c: AssessConfig): ExternalGradeReport | undefined {
  if (!c.grade.field) return undefined;
  const rows = test.filter((r) => r.grade !== undefined);
  const scale = { min: c.grade.min, max: c.grade.max, badBelow: c.grade.badBelow };
  const cats = rows.map((r) => r.category ?? 'unknown');
  const g = rows.map((r) => r.grade!);
  return {
    field: c.grade.field,
    scale,
    n: rows.length,
    trained: tryEval(rows.map((r) => r.score), g, scale, cats),
    zeroShot: tryEval(rows.map((r) => r.z0), g, scale, cats),
    selection: selection(rows, tau, (r) => r.grade! < scale.badBelow),
  };
}

export async function assess(judgeFile: string, outDir: string, c: AssessConfig): Promise<Assessment> {
  const rows = await readRows(judgeFile, c.grade.field);
  const counts: Record<string, number> = {};
  for (const r of rows) counts[r.split ?? 'none'] = (counts[r.split ?? 'none'] ?? 0) + 1;
  const cal = rows.filter((r) => r.split === 'calibrate');
  const test = rows.filter((r) => r.split === 'test');
  const cc: CalibrateConfig = c.calibrate;
  const calibration = calibrateThreshold({
    scores: cal.map((r) => r.score),
    bad: cal.map((r) => r.z < cc.badBelow),
    targetRisk: cc.targetRisk,
    delta: cc.delta,
    procedure: cc.procedure,
    // one sample per instruction: samples of one instruction are correlated
    groups: cal.map((r) => r.id ?? r.key ?? ''),
    groupBy: 'id',
    seed: c.seed,
  });
  // What counted as bad travels with tau, so a report or the gateway can read the threshold file on its own.
  writeJsonAtomic(join(outDir, 'calibrate', 'calibration.json'), { ...calibration, badBelow: cc.badBelow });
  const tau = calibration.tau;
  const labelScale = { min: c.label.clip[0], max: c.label.clip[1], badBelow: cc.badBelow };
  const cats = test.map((r) => r.category ?? 'unknown');
  const z = test.map((r) => r.z);
  const report: Assessment['test'] = {
    n: test.length,
    against: 'label z',
    bestOfN: bestOfN(test),
    trained: tryEval(test.map((r) => r.score), z, labelScale, cats),
    zeroShot: tryEval(test.map((r) => r.z0), z, labelScale, cats),
    selection: selection(test, tau, (r) => r.z < cc.badBelow),
    external: external(test, tau, c),
  };
  writeJsonAtomic(join(outDir, 'eval', 'report.json'), report);
  return { calibration, test: report, counts };
}
