/**
 * The result of `selfj meta-eval --out/--json` (format selfj.meta-eval/v1): sets with their primary metric and
 * published numbers, and one row per set and judge. Read defensively like every other input: an entry without
 * what a figure needs is left out and counted in a note, never guessed.
 */
import { SelfjError } from '@selfj/core';
import type { MetaEvalInfo, MetaEvalRow, MetaEvalSet, PublishedNumber } from '../model.js';
import { isObj, num, str, type Json } from './parse.js';

export const META_EVAL_FORMAT_PREFIX = 'selfj.meta-eval/';
export const META_EVAL_FORMAT = 'selfj.meta-eval/v1';

function published(v: unknown): PublishedNumber[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).flatMap((p) => {
    const judge = str(p.judge);
    const metric = str(p.metric);
    const value = num(p.value);
    return judge !== undefined && metric !== undefined && value !== undefined ? [{ judge, metric, value, source: str(p.source) ?? 'source not given' }] : [];
  });
}

function metrics(v: unknown): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (!isObj(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (x === null) out[k] = null;
    else if (num(x) !== undefined) out[k] = x as number;
  }
  return out;
}

function row(r: Json): MetaEvalRow | undefined {
  const set = str(r.set);
  const judge = str(r.judge);
  if (set === undefined || judge === undefined) return undefined;
  return {
    set,
    judge,
    usesReference: typeof r.usesReference === 'boolean' ? r.usesReference : undefined,
    status: str(r.status) ?? 'ok',
    reason: str(r.reason),
    n: num(r.n) ?? 0,
    rejected: num(r.rejected) ?? 0,
    metrics: metrics(r.metrics),
  };
}

export function parseMetaEval(v: Json, file: string): MetaEvalInfo {
  if (v.format !== META_EVAL_FORMAT) {
    throw new SelfjError('BAD_INPUT', `${file} is a meta-evaluation result in format "${String(v.format)}"; this selfj reads ${META_EVAL_FORMAT}.`, {
      solutions: ['Update selfj to the version that wrote the file', 'Or rerun selfj meta-eval with this version'],
    });
  }
  const rows = (Array.isArray(v.rows) ? v.rows.filter(isObj) : []).map(row).filter((r): r is MetaEvalRow => r !== undefined);
  const sets: MetaEvalSet[] = [];
  for (const s of Array.isArray(v.sets) ? v.sets.filter(isObj) : []) {
    const name = str(s.name);
    if (name === undefined) continue;
    // a set without its primary metric: the first metric its rows have, so it is still drawn
    const primary = str(s.primary) ?? Object.keys(rows.find((r) => r.set === name && r.status === 'ok')?.metrics ?? {})[0] ?? '';
    sets.push({
      name,
      title: str(s.title) ?? name,
      kind: str(s.kind) ?? 'other',
      protocol: str(s.protocol),
      primary,
      tieRule: str(s.tieRule),
      items: num(s.items),
      skipped: num(s.skipped),
      published: published(s.published),
      error: str(s.error),
    });
  }
  if (!sets.length && !rows.length) {
    throw new SelfjError('BAD_INPUT', `${file}: the meta-evaluation result has no sets and no rows.`, { solutions: ['Pass the file selfj meta-eval --out wrote'] });
  }
  return { createdAt: str(v.createdAt), sets, rows };
}
