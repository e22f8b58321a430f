/**
 * The threshold file (`selfj calibrate` output) as the gateway uses it: tau, the guarantee it comes with, and the
 * judge it was calibrated for. A tau is only meaningful for the judge whose scores it was chosen on, so the file's
 * judge (model, reference-free template, kind, and for a trained head its weights) is checked against the judge
 * the gateway runs; any difference is an ARTIFACT_MISMATCH that lists each one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError } from '@selfj/core';
import { sha256, type ModelInfo } from '@selfj/core/infra';

/** The judge a threshold file was calibrated for (calibrate copies it from the judge stage's manifest). */
export interface ThresholdJudge {
  /** The judge id, e.g. "head:/runs/a/train" or "zero-shot". */
  id?: string;
  /** "head", "zero-shot" or a plugin judge's kind. */
  mode?: string;
  model?: ModelInfo;
  /** Hash of the reference-free template the scores were made with. */
  referenceFreeTemplate?: string;
  configHash?: string;
}

export interface Threshold {
  file: string;
  tau: number | null;
  /** Hash of the file's content (goes into the decision log, so every decision names its threshold). */
  hash: string;
  targetRisk?: number;
  delta?: number;
  n?: number;
  judge?: ThresholdJudge;
}

const bad = (file: string, why: string, solutions: string[] = []) =>
  new SelfjError('BAD_INPUT', `${file} is not a usable threshold file: ${why}.`, {
    solutions: [...solutions, 'Write one with `selfj calibrate --input <judge output>/records.jsonl --out threshold.json`'],
  });

export function readThreshold(file: string): Threshold {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SelfjError('NOT_FOUND', `Cannot read the threshold file ${file}: ${(e as Error).message}`, {
      solutions: ['Check the path given to --threshold', 'Write one with `selfj calibrate`'],
    });
  }
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw bad(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(file, 'expected a JSON object');
  if (!('tau' in v) || (v.tau !== null && (typeof v.tau !== 'number' || !Number.isFinite(v.tau)))) throw bad(file, '"tau" must be a number or null');
  if (v.scoreField !== undefined && v.scoreField !== 'score') {
    throw bad(file, `it was calibrated on the field "${String(v.scoreField)}", but the gateway applies tau to the judge's score`, [
      'Calibrate on the judge output\'s "score" field (selfj calibrate --score-field score)',
    ]);
  }
  const judge = typeof v.judge === 'object' && v.judge !== null ? (v.judge as ThresholdJudge) : undefined;
  const num = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
  return { file, tau: v.tau as number | null, hash: sha256(text).slice(0, 16), targetRisk: num('targetRisk'), delta: num('delta'), n: num('n'), judge };
}

/** What the running judge is: its id and fingerprint (Judge.fingerprint()). */
export interface RunningJudge {
  id: string;
  fingerprint: Record<string, unknown>;
}

const scheme = (id: string) => /^([a-z][a-z0-9+.-]*)/.exec(id)?.[1] ?? id;

/** sha256 of a trained head's weights, from its manifest (undefined when the directory is gone or not a head). */
function headWeights(id: string | undefined): string | undefined {
  if (!id?.startsWith('head:')) return undefined;
  try {
    const m = JSON.parse(readFileSync(join(id.slice('head:'.length), 'manifest.json'), 'utf8')) as { weights?: { sha256?: string } };
    return m.weights?.sha256;
  } catch {
    return undefined;
  }
}

function sameModel(a: ModelInfo, b: ModelInfo): boolean {
  return a.fileHash && b.fileHash ? a.fileHash === b.fileHash : a.id === b.id;
}

/**
 * The reasons a threshold does not fit the running judge (empty: it fits). `unverified` accepts a file that does
 * not name its judge; otherwise that is a reason too.
 */
export function thresholdMismatches(t: Threshold, j: RunningJudge, unverified = false): string[] {
  const why: string[] = [];
  const tj = t.judge;
  if (!tj) {
    if (!unverified) why.push('the file does not say which judge it was calibrated for (it predates judge identities, or its input was not a `selfj judge` output)');
    return why;
  }
  const fp = j.fingerprint;
  const kind = typeof fp.judge === 'string' ? fp.judge : scheme(j.id);
  const theirKind = tj.mode ?? (tj.id ? scheme(tj.id) : undefined);
  if (theirKind && theirKind !== kind) why.push(`it was calibrated on "${theirKind}" scores; the gateway runs a "${kind}" judge (${j.id})`);
  const model = fp.model as ModelInfo | undefined;
  if (tj.model && model && !sameModel(tj.model, model)) {
    why.push(`it was calibrated with model ${tj.model.id}${tj.model.fileHash ? ` (file ${tj.model.fileHash})` : ''}; the judge runs ${model.id}${model.fileHash ? ` (file ${model.fileHash})` : ''}`);
  }
  if (tj.referenceFreeTemplate && typeof fp.template === 'string' && tj.referenceFreeTemplate !== fp.template) {
    why.push(`its reference-free template hash is ${tj.referenceFreeTemplate}; the judge's is ${fp.template} (changed template or chat mode)`);
  }
  const ours = typeof fp.weights === 'string' ? fp.weights : undefined;
  const theirs = headWeights(tj.id);
  if (ours && theirs && ours !== theirs) why.push(`it was calibrated on the trained judge ${tj.id} (weights ${theirs.slice(0, 12)}); the gateway's judge ${j.id} has weights ${ours.slice(0, 12)}`);
  return why;
}

/** Throws ARTIFACT_MISMATCH listing every reason the threshold does not fit the judge. */
export function checkThreshold(t: Threshold, j: RunningJudge, unverified = false): void {
  const why = thresholdMismatches(t, j, unverified);
  if (!why.length) return;
  const missing = !t.judge;
  throw new SelfjError(missing ? 'BAD_INPUT' : 'ARTIFACT_MISMATCH', `The threshold ${t.file} does not fit the judge ${j.id}: ${why.join('; ')}.`, {
    details: { reasons: why },
    solutions: missing
      ? ['Recalibrate on the judge output: selfj calibrate --input <judge dir>/records.jsonl (the file then names its judge)', 'Or accept it unchecked with --unverified-threshold']
      : ['Calibrate tau on this judge\'s scores: selfj judge --judge <this judge> ..., then selfj calibrate', 'Or run the gateway with the judge the threshold was calibrated for (--judge, --judge-backend, the templates)'],
  });
}

/** True when the weights a head judge id names are readable (to say when they could not be compared). */
export function headWeightsKnown(id: string | undefined): boolean {
  return Boolean(id?.startsWith('head:') && existsSync(join(id.slice('head:'.length), 'manifest.json')));
}
