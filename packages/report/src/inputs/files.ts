/**
 * Single-file inputs: the JSON that `selfj eval --out/--json`, `selfj calibrate` and `selfj rank --out/--json`
 * write (recognised by their fields), a run's calibration.json / eval/report.json / train manifest, and a scored
 * JSONL (one item per line, fields by name, as `selfj eval --input` reads it).
 */
import { readFileSync } from 'node:fs';
import { SelfjError } from '@selfj/core';
import { readJsonl } from '@selfj/core/infra';
import { type PairwiseAgreement } from '@selfj/core/metrics';
import type { ReportInputs, ScoredItems } from '../model.js';
import { META_EVAL_FORMAT_PREFIX, parseMetaEval } from './meta-eval.js';
import { isObj, num, parseCalibration, parseEvaluation, parseRanking, parseTraining, str, type Json } from './parse.js';

export interface ItemFieldOptions {
  scoreField?: string;
  graderField?: string;
  categoryField?: string;
  maxGrade?: number;
  /** The grader's worst score: with maxGrade the scale of the graded loss (max - grade) / (max - min). */
  minGrade?: number;
  badBelow?: number;
}

/** The defaults of `selfj eval` (GPT-4's 1-10 ratings), so the same file reads the same way in both commands. */
export const ITEM_DEFAULTS = { scoreField: 'score', graderField: 'grade', minGrade: 1, maxGrade: 10, badBelow: 6 } as const;

function getPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const part of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

const asNumber = (v: unknown) => num(typeof v === 'string' && v.trim() !== '' ? Number(v) : v);

export async function readItemsFile(file: string, o: ItemFieldOptions = {}): Promise<ReportInputs> {
  const scoreField = o.scoreField ?? ITEM_DEFAULTS.scoreField;
  const graderField = o.graderField ?? ITEM_DEFAULTS.graderField;
  const minGrade = o.minGrade ?? ITEM_DEFAULTS.minGrade;
  const maxGrade = o.maxGrade ?? ITEM_DEFAULTS.maxGrade;
  if (!(maxGrade > minGrade)) {
    throw new SelfjError('BAD_INPUT', `The grade scale needs the best grade above the worst: got --min-grade ${minGrade}, --max-grade ${maxGrade}.`, {
      solutions: ["Give the grader's scale, e.g. --min-grade 1 --max-grade 10 for GPT-4's 1-10 ratings"],
    });
  }
  const it: ScoredItems = {
    scoreName: scoreField,
    gradeName: graderField,
    minGrade,
    maxGrade,
    badBelow: o.badBelow ?? ITEM_DEFAULTS.badBelow,
    badBelowSource: o.badBelow !== undefined ? 'option' : 'default',
    score: [],
    grade: [],
    category: o.categoryField ? [] : undefined,
    id: [],
    instruction: [],
    response: [],
  };
  let skipped = 0;
  let offScale = 0;
  for await (const l of readJsonl(file)) {
    const v = l.value;
    const s = asNumber(getPath(v, scoreField));
    const g = asNumber(getPath(v, graderField));
    if (!v || s === undefined || g === undefined) {
      skipped++;
      continue;
    }
    // as `selfj eval` does: a grade off the scale is a bad record (it would put the graded loss outside [0, 1])
    if (g < minGrade || g > maxGrade) {
      offScale++;
      continue;
    }
    it.score.push(s);
    it.grade.push(g);
    if (o.categoryField) it.category!.push(String(getPath(v, o.categoryField) ?? 'unknown'));
    it.id!.push(str(v.key) ?? str(v.id) ?? `line ${l.line}`);
    it.instruction!.push(str(v.instruction) ?? str(v.query) ?? str(v.input) ?? '');
    it.response!.push(str(v.response) ?? str(v.output) ?? '');
  }
  if (it.score.length < 2) {
    throw new SelfjError('BAD_INPUT', `${file}: ${it.score.length} item(s) have both a numeric "${scoreField}" and "${graderField}"; a report needs at least 2.`, {
      solutions: ['Name the fields with --score-field and --grader-field (dotted paths work)', 'For a run directory, pass the directory itself'],
    });
  }
  const notes = skipped ? [`${skipped} line(s) of ${file} without a numeric ${scoreField} and ${graderField} were left out.`] : [];
  if (offScale) notes.push(`${offScale} line(s) of ${file} with ${graderField} outside the scale [${minGrade}, ${maxGrade}] were left out (set --min-grade and --max-grade to the grader's scale).`);
  if (it.instruction!.every((x) => !x) && it.response!.every((x) => !x)) {
    delete it.instruction;
    delete it.response;
  }
  return { title: `selfj report: ${file}`, sources: [file], items: it, notes };
}

export type JsonKind = 'eval' | 'eval-pairs' | 'run-eval' | 'calibration' | 'ranking' | 'judge-manifest' | 'meta-eval';

export function jsonKind(v: Json): JsonKind | undefined {
  if (typeof v.format === 'string' && v.format.startsWith(META_EVAL_FORMAT_PREFIX)) return 'meta-eval';
  if (isObj(v.items) && parseEvaluation(v.items)) return 'eval';
  if (isObj(v.pairwise)) return 'eval-pairs';
  if (('trained' in v || 'zeroShot' in v) && isObj(v.selection)) return 'run-eval';
  if (parseCalibration(v)) return 'calibration';
  if (Array.isArray(v.models)) return 'ranking';
  if (v.format === 'selfj-judge') return 'judge-manifest';
  return undefined;
}

export function readJsonInput(file: string): ReportInputs {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SelfjError('BAD_INPUT', `${file} is not readable JSON (${(e as Error).message.split('\n')[0]}).`, {
      solutions: ['Pass the JSON that selfj eval, calibrate or rank wrote', 'For JSONL items, use a .jsonl name'],
    });
  }
  const kind = isObj(v) ? jsonKind(v) : undefined;
  if (!isObj(v) || !kind) {
    throw new SelfjError('BAD_INPUT', `${file} is none of the JSON files selfj report reads.`, {
      solutions: [
        'selfj eval --input ... --out eval.json (or --json)',
        'selfj calibrate ... --out threshold.json, or a run\'s calibrate/calibration.json',
        'selfj rank ... --out ranking.json (or --json)',
        'selfj meta-eval ... --out meta-eval.json',
        'A run directory itself (selfj run / selfj demo --out)',
      ],
    });
  }
  const base: ReportInputs = { title: `selfj report: ${file}`, sources: [file], notes: [] };
  switch (kind) {
    case 'eval': {
      const skipped = num(v.skipped);
      return { ...base, evaluation: { trained: parseEvaluation(v.items) }, notes: skipped ? [`selfj eval skipped ${skipped} bad record(s).`] : [] };
    }
    case 'eval-pairs':
      return { ...base, pairwise: v.pairwise as PairwiseAgreement };
    case 'run-eval':
      return { ...base, evaluation: { trained: parseEvaluation(v.trained), zeroShot: parseEvaluation(v.zeroShot) } };
    case 'calibration':
      return { ...base, calibration: parseCalibration(v) };
    case 'ranking': {
      const ranking = parseRanking(v);
      if (!ranking) throw new SelfjError('BAD_INPUT', `${file}: "models" holds no {model, meanScore} entries.`);
      return { ...base, ranking };
    }
    case 'judge-manifest':
      return { ...base, training: parseTraining(v) };
    case 'meta-eval':
      return { ...base, title: `selfj meta-eval: ${file}`, metaEval: parseMetaEval(v, file) };
  }
}
