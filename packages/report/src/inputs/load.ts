/** Any mix of report inputs (run directories, selfj JSON outputs, scored JSONL) into one ReportInputs. */
import { existsSync, statSync } from 'node:fs';
import { SelfjError } from '@selfj/core';
import type { ReportInputs } from '../model.js';
import { readItemsFile, readJsonInput, type ItemFieldOptions } from './files.js';
import { readRunDir } from './run-dir.js';

export type LoadOptions = ItemFieldOptions;

const PARTS = ['items', 'evaluation', 'pairwise', 'calibration', 'training', 'digitMass', 'ranking', 'metaEval', 'pipeline', 'model'] as const;

export async function loadInput(path: string, o: LoadOptions = {}): Promise<ReportInputs> {
  if (!existsSync(path)) {
    throw new SelfjError('NOT_FOUND', `The report input ${path} does not exist.`, { solutions: ['Check the path', 'Run the pipeline first (selfj run / selfj demo)'] });
  }
  if (statSync(path).isDirectory()) return readRunDir(path, { badBelow: o.badBelow });
  if (/\.jsonl(\.gz)?$/i.test(path)) return readItemsFile(path, o);
  return readJsonInput(path);
}

/** Later inputs add what earlier ones lack; a part given twice keeps the first and says so. */
export function mergeInputs(all: ReportInputs[]): ReportInputs {
  const out: ReportInputs = { sources: [], notes: [] };
  for (const r of all) {
    out.sources!.push(...(r.sources ?? []));
    out.notes!.push(...(r.notes ?? []));
    for (const k of PARTS) {
      if (r[k] === undefined) continue;
      if (out[k] === undefined) (out as Record<string, unknown>)[k] = r[k];
      else out.notes!.push(`${r.sources?.join(', ') ?? 'an input'}: its ${k} was left out (an earlier input gave one).`);
    }
  }
  out.title = all.length === 1 ? all[0].title : 'selfj report';
  return out;
}

export async function loadReportInputs(paths: string[], o: LoadOptions = {}): Promise<ReportInputs> {
  if (!paths.length) {
    throw new SelfjError('BAD_INPUT', 'selfj report needs at least one input.', {
      solutions: ['selfj report ./selfj-demo', 'selfj report eval.json threshold.json ranking.json'],
    });
  }
  const all: ReportInputs[] = [];
  for (const p of paths) all.push(await loadInput(p, o));
  return mergeInputs(all);
}
