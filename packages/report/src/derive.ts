/** From loaded inputs to the data every figure reads: the evaluation is computed once, by @selfj/core. */
import { DEFAULT_CONFIG } from '@selfj/core';
import { evaluateScores, type EvaluationReport } from '@selfj/core/metrics';
import type { ReportData, ReportInputs, ScoredItems } from './model.js';

export interface DeriveOptions {
  title?: string;
  /** Overrides the digit-mass floor found in the inputs. */
  digitMassFloor?: number;
  /** Categories with fewer test items get no metrics (they are still counted). */
  minCategorySize?: number;
}

/**
 * The project's floor on the digit mass (`scoring.minDigitMass`): the pipeline rejects items below it and the
 * report calls a median below it noise, so both say the same. 0.05 for a core that predates the setting.
 */
export const DEFAULT_DIGIT_MASS_FLOOR: number = (DEFAULT_CONFIG as { scoring?: { minDigitMass?: number } }).scoring?.minDigitMass || 0.05;
export const DEFAULT_MIN_CATEGORY_SIZE = 5;

function allFinite(x: number[] | undefined): x is number[] {
  return x !== undefined && x.every((v) => Number.isFinite(v));
}

/** evaluateScores over one score column, or a note saying why not (too few items, missing values). */
export function evaluate(items: ScoredItems, scores: number[] | undefined, what: string, notes: string[], minCategorySize: number): EvaluationReport | undefined {
  if (!scores) return undefined;
  if (!allFinite(scores)) {
    notes.push(`No metrics for the ${what}: some items have no score.`);
    return undefined;
  }
  try {
    return evaluateScores(scores, items.grade, {
      minGrade: items.minGrade,
      maxGrade: items.maxGrade,
      badBelow: items.badBelow,
      categories: items.category,
      minCategorySize,
    });
  } catch (e) {
    notes.push(`No metrics for the ${what}: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/**
 * The items that carry the external grade, with it as their grade (and its scale), so every figure drawn against
 * the label z can be drawn against it with the same code. Undefined when fewer than 2 items carry it.
 */
export function externalItems(items: ScoredItems): { items: ScoredItems; missing: number } | undefined {
  const ext = items.external;
  if (!ext) return undefined;
  const keep: number[] = [];
  for (let i = 0; i < ext.grade.length; i++) if (Number.isFinite(ext.grade[i])) keep.push(i);
  if (keep.length < 2) return undefined;
  const pick = <T>(x: T[] | undefined) => (x && x.length === items.score.length ? keep.map((i) => x[i]) : undefined);
  const { external: _x, ...rest } = items;
  return {
    items: {
      ...rest,
      gradeName: ext.name,
      minGrade: ext.minGrade,
      maxGrade: ext.maxGrade,
      badBelow: ext.badBelow,
      badBelowSource: ext.scaleSource === 'input' ? 'input' : 'default',
      score: keep.map((i) => items.score[i]),
      grade: keep.map((i) => ext.grade[i]),
      zeroShot: pick(items.zeroShot),
      similarity: pick(items.similarity),
      length: pick(items.length),
      category: pick(items.category),
      id: pick(items.id),
      instruction: pick(items.instruction),
      response: pick(items.response),
    },
    missing: items.score.length - keep.length,
  };
}

export function deriveReportData(inputs: ReportInputs, o: DeriveOptions = {}): ReportData {
  const notes = [...(inputs.notes ?? [])];
  const minCat = o.minCategorySize ?? DEFAULT_MIN_CATEGORY_SIZE;
  let evaluation: ReportData['evaluation'];
  const items = inputs.items;
  if (items && items.score.length) {
    if (items.badBelowSource === 'default') {
      notes.push(`A grade below ${items.badBelow} counts as bad: the inputs do not say, so this is the default (set --bad-below to the value your run used).`);
    }
    evaluation = {
      trained: evaluate(items, items.score, items.scoreName, notes, minCat),
      zeroShot: evaluate(items, items.zeroShot, 'zero-shot self-evaluation', notes, minCat),
      from: 'items',
    };
  } else if (inputs.evaluation) {
    evaluation = { ...inputs.evaluation, from: 'file' };
  }
  let external: ReportData['external'];
  const ext = items?.score.length ? externalItems(items) : undefined;
  if (ext) {
    const scaleSource = items!.external!.scaleSource;
    if (scaleSource === 'default') {
      notes.push(`The scale of ${ext.items.gradeName} is not recorded in the inputs: the config defaults are assumed (${ext.items.minGrade} to ${ext.items.maxGrade}, bad below ${ext.items.badBelow}).`);
    }
    external = {
      items: ext.items,
      missing: ext.missing,
      scaleSource,
      evaluation: {
        trained: evaluate(ext.items, ext.items.score, `${items!.scoreName} against ${ext.items.gradeName}`, notes, minCat),
        zeroShot: evaluate(ext.items, ext.items.zeroShot, `zero-shot self-evaluation against ${ext.items.gradeName}`, notes, minCat),
      },
    };
  } else if (items?.external) {
    notes.push(`Fewer than 2 items carry ${items.external.name}: nothing is drawn against it.`);
  }
  let digitMass: ReportData['digitMass'];
  if (inputs.digitMass) {
    const fromOption = o.digitMassFloor !== undefined;
    const fromConfig = inputs.digitMass.floor !== undefined;
    digitMass = {
      items: inputs.digitMass.items,
      rejected: inputs.digitMass.rejected,
      floor: o.digitMassFloor ?? inputs.digitMass.floor ?? DEFAULT_DIGIT_MASS_FLOOR,
      floorSource: fromOption ? 'option' : fromConfig ? 'config' : 'default',
    };
  }
  const { digitMass: _d, notes: _n, evaluation: _e, ...rest } = inputs;
  return {
    ...rest,
    title: o.title ?? inputs.title ?? 'selfj report',
    sources: inputs.sources ?? [],
    evaluation,
    external,
    digitMass,
    notes,
  };
}
