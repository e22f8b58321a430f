/**
 * What other commands call to write a report of what they just computed: `selfj eval/calibrate/rank/meta-eval
 * --report` hand over their in-memory data (no file is read twice), `selfj run/demo` their output directory.
 */
import type { CalibrationResult } from '@selfj/core/decide';
import type { PairwiseAgreement } from '@selfj/core/metrics';
import { join } from 'node:path';
import { buildReport, type ReportOptions } from './build.js';
import { ITEM_DEFAULTS } from './inputs/files.js';
import { parseMetaEval } from './inputs/meta-eval.js';
import { parseCalibration } from './inputs/parse.js';
import { readRunDir } from './inputs/run-dir.js';
import type { RankingInfo, ReportInputs } from './model.js';
import type { Verdict } from './verdict.js';
import { writeReport, type WrittenReport } from './write.js';

export interface ScoredInput {
  /** The file the scores came from, shown as the source. */
  input: string;
  scores: number[];
  grades: number[];
  categories?: string[];
  scoreField: string;
  graderField: string;
  /** The grade scale of the graded loss (max - grade) / (max - min); default 1 to 10 (GPT-4's ratings), as selfj eval. */
  minGrade?: number;
  maxGrade?: number;
  badBelow: number;
}

function items(o: ScoredInput): ReportInputs['items'] {
  return {
    scoreName: o.scoreField,
    gradeName: o.graderField,
    minGrade: o.minGrade ?? ITEM_DEFAULTS.minGrade,
    maxGrade: o.maxGrade ?? ITEM_DEFAULTS.maxGrade,
    badBelow: o.badBelow,
    badBelowSource: 'input',
    score: o.scores,
    grade: o.grades,
    category: o.categories,
  };
}

/** `selfj eval --report`: the scored items it evaluated. */
export function evalReportInputs(o: ScoredInput): ReportInputs {
  return { title: `selfj eval: ${o.input}`, sources: [o.input], items: items(o) };
}

/** `selfj eval --pairs ... --report`: the agreement on preference pairs (a table: pairs have no per-item curve). */
export function pairsReportInputs(o: { input: string; pairwise: PairwiseAgreement }): ReportInputs {
  return { title: `selfj eval: ${o.input}`, sources: [o.input], pairwise: o.pairwise };
}

/** `selfj calibrate --report`: the calibration items and the result, grid candidates included. */
export function calibrateReportInputs(o: ScoredInput & { result: CalibrationResult }): ReportInputs {
  return { title: `selfj calibrate: ${o.input}`, sources: [o.input], items: items(o), calibration: parseCalibration(o.result as unknown as Record<string, unknown>) };
}

/** `selfj rank --report`: the models with their mean scores (and reference means, with the agreement). */
export function rankReportInputs(o: { input: string; models: RankingInfo['models']; agreement?: { spearman: number; kendallTauB: number } }): ReportInputs {
  return { title: `selfj rank: ${o.input}`, sources: [o.input], ranking: { models: o.models, agreement: o.agreement } };
}

/** `selfj meta-eval --report`: the result object it just computed (format selfj.meta-eval/v1). */
export function metaEvalReportInputs(result: object, source = 'selfj meta-eval'): ReportInputs {
  return { title: 'selfj meta-eval', sources: [source], metaEval: parseMetaEval(result as Record<string, unknown>, source) };
}

export interface SavedReport extends WrittenReport {
  out: string;
  verdict: Verdict;
}

/** Builds the report and writes it (format from the file name: .md, .json, else HTML). */
export async function saveReport(inputs: ReportInputs, out: string, options: ReportOptions = {}): Promise<SavedReport> {
  const report = await buildReport(inputs, options);
  return { out, ...writeReport(report, out), verdict: report.verdict };
}

/** `selfj run` / `selfj demo`: report.html in the run directory. */
export async function saveRunReport(dir: string, options: ReportOptions = {}): Promise<SavedReport> {
  return saveReport(await readRunDir(dir), join(dir, 'report.html'), options);
}
