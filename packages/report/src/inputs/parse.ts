/**
 * Defensive readers for the JSON artifacts a report can take: a field of the wrong type is left out (and said),
 * never guessed; fields this version does not know are kept where they can be shown.
 */
import type { EvaluationReport } from '@selfj/core/metrics';
import type { CalibrationInfo, EpochPoint, RankingInfo, TrainingInfo } from '../model.js';

export type Json = Record<string, unknown>;

export const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
export const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
export const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

const KNOWN_CALIBRATION = new Set(['tau', 'feasible', 'coverage', 'selectedRisk', 'riskUpperBound', 'targetRisk', 'delta', 'n', 'gridSize', 'method', 'candidates']);

/** A calibration result (a run's calibration.json or `selfj calibrate`'s threshold file); undefined when it is not one. */
export function parseCalibration(v: Json): CalibrationInfo | undefined {
  const targetRisk = num(v.targetRisk);
  const delta = num(v.delta);
  if (targetRisk === undefined || delta === undefined || !('tau' in v)) return undefined;
  const tau = v.tau === null ? null : num(v.tau);
  if (tau === undefined) return undefined;
  const other: CalibrationInfo['other'] = {};
  for (const [k, x] of Object.entries(v)) {
    if (KNOWN_CALIBRATION.has(k)) continue;
    if (x === null || typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) other[k] = x;
  }
  const candidates = Array.isArray(v.candidates)
    ? v.candidates.filter(isObj).flatMap((c) => {
        const threshold = num(c.threshold);
        const answered = num(c.answered);
        const bad = num(c.bad);
        if (threshold === undefined || answered === undefined || bad === undefined) return [];
        return [{ threshold, answered, bad, risk: num(c.risk) ?? (answered ? bad / answered : 0), pValue: num(c.pValue), rejected: typeof c.rejected === 'boolean' ? c.rejected : undefined }];
      })
    : undefined;
  return {
    tau,
    targetRisk,
    delta,
    n: num(v.n),
    coverage: num(v.coverage),
    selectedRisk: num(v.selectedRisk),
    riskUpperBound: num(v.riskUpperBound),
    gridSize: num(v.gridSize),
    method: str(v.method),
    candidates: candidates?.length ? candidates : undefined,
    other,
  };
}

function epoch(v: unknown, e?: number): EpochPoint | undefined {
  if (!isObj(v)) return undefined;
  const trainLoss = num(v.trainLoss);
  const ep = num(v.epoch) ?? e;
  if (trainLoss === undefined || ep === undefined) return undefined;
  return { epoch: ep, trainLoss, valLoss: num(v.valLoss), valPearson: num(v.valPearson) };
}

/** The training history of a judge manifest (`metrics.history`, `initial`, `best`). */
export function parseTraining(manifest: Json): TrainingInfo | undefined {
  const m = manifest.metrics;
  if (!isObj(m) || !Array.isArray(m.history)) return undefined;
  const history = m.history.map((h) => epoch(h)).filter((h): h is EpochPoint => h !== undefined);
  const initial = epoch(m.initial, 0);
  const t = isObj(manifest.training) ? manifest.training : {};
  return {
    history,
    initial: initial ? { trainLoss: initial.trainLoss, valLoss: initial.valLoss, valPearson: initial.valPearson } : undefined,
    best: epoch(m.best),
    items: num(t.items),
    trainItems: num(t.trainItems),
    valItems: num(t.valItems),
  };
}

/** An EvaluationReport as evaluateScores writes it (only the scalar fields are checked). */
export function parseEvaluation(v: unknown): EvaluationReport | undefined {
  if (!isObj(v) || num(v.n) === undefined || !('pearson' in v)) return undefined;
  return { byCategory: {}, selectiveRisk: [], ...(nullsToNaN(v) as Json) } as unknown as EvaluationReport;
}

/** JSON writes NaN (an undefined correlation) as null: read it back as NaN. */
function nullsToNaN(v: unknown): unknown {
  if (v === null) return NaN;
  if (Array.isArray(v)) return v.map(nullsToNaN);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nullsToNaN(x)]));
  return v;
}

export function parseRanking(v: Json): RankingInfo | undefined {
  if (!Array.isArray(v.models)) return undefined;
  const models = v.models.filter(isObj).flatMap((m) => {
    const model = str(m.model);
    const meanScore = num(m.meanScore);
    if (model === undefined || meanScore === undefined) return [];
    return [{ model, items: num(m.items) ?? 0, meanScore, meanReference: num(m.meanReference) }];
  });
  if (!models.length) return undefined;
  models.sort((a, b) => b.meanScore - a.meanScore || a.model.localeCompare(b.model));
  const a = isObj(v.agreement) ? v.agreement : undefined;
  const agreement = a && num(a.spearman) !== undefined ? { spearman: num(a.spearman)!, kendallTauB: num(a.kendallTauB) ?? NaN } : undefined;
  return { models, agreement };
}
