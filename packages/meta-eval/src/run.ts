/**
 * runMetaEval: every requested judge on every requested set, one result row per (set, judge), with the sets'
 * published numbers beside them. A judge that cannot run here (CAPABILITY_MISSING: e.g. perplexity on a backend
 * without scoreContinuation) is reported as skipped with the reason; a set whose files cannot be had is reported
 * with its error and the others still run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, isSelfjError, throwIfAborted, type Judge, type PluginContext, type PluginRegistry } from '@selfj/core';
import { evaluate } from './evaluate.js';
import { plugin } from './plugin.js';
import { PRIMARY, TIE_RULES } from './protocols/protocols.js';
import { RESULT_FORMAT, type MetaEvalResult, type ResultRow, type SetSummary } from './result.js';
import { resolveSets } from './sets/catalog.js';
import { loadSet, type LoadedSet } from './sets/load-set.js';
import type { SetSpec } from './sets/types.js';

export interface MetaEvalOptions {
  registry: PluginRegistry;
  ctx?: PluginContext;
  /** Set names, group names ("llmbar-adversarial", "all") or set definitions. */
  sets: (string | SetSpec)[];
  /** Judge ids (or trained judge directories). */
  judges: string[];
  /** Local copies of the sets' files: <dataDir>/<owner>/<name>/<path>. */
  dataDir?: string;
  /** Options for hf:// downloads: hubUrl, cacheDir, offline, token. */
  hub?: Record<string, unknown>;
  /** Evaluate only the first N items of each set (pairs, groups; of a ranking set, instructions with every model's outputs on them). */
  limit?: number;
  /** Items per judge call (default 64). */
  batchSize?: number;
  signal?: AbortSignal;
  /** One line per step, for people. */
  onProgress?: (line: string) => void;
}

/** A trained judge directory stands for the trained head in it; anything else is a judge id. */
export function judgeIdFor(given: string): string {
  return existsSync(join(given, 'manifest.json')) ? `head:${given}` : given;
}

function summary(set: SetSpec, loaded?: LoadedSet, error?: string): SetSummary {
  const d = loaded?.data;
  const items = !d ? 0 : d.kind === 'pointwise' ? d.items.length : d.kind === 'pairwise' ? d.pairs.length : d.kind === 'ranking' ? d.outputs.length : d.groups.length;
  return {
    name: set.name,
    title: set.title,
    kind: set.kind,
    protocol: set.protocol,
    primary: PRIMARY[set.protocol],
    tieRule: TIE_RULES[set.protocol],
    paper: set.paper,
    files: loaded?.files ?? {},
    items,
    skipped: loaded?.skipped ?? 0,
    reasons: loaded?.reasons ?? [],
    notes: set.notes ?? [],
    published: set.published ?? [],
    ...(error ? { error } : {}),
  };
}

function hasReferences(set: LoadedSet): boolean {
  return set.data.kind === 'pointwise' && set.data.items.some((g) => g.item.reference);
}

export async function runMetaEval(o: MetaEvalOptions): Promise<MetaEvalResult> {
  o.registry.register(plugin);
  const ctx = o.ctx ?? createContext(o.registry, { signal: o.signal });
  const say = o.onProgress ?? (() => undefined);
  const specs = await resolveSets(o.registry, o.sets);
  const judges = new Map<string, Judge | string>();
  const sets: SetSummary[] = [];
  const rows: ResultRow[] = [];
  try {
    for (const id of o.judges) {
      try {
        judges.set(id, await o.registry.create('judges', judgeIdFor(id), {}, ctx));
      } catch (e) {
        if (!isSelfjError(e, 'CAPABILITY_MISSING')) throw e;
        judges.set(id, e.message.split('\n')[0]);
        say(`meta-eval: ${id}: skipped (${e.message.split('\n')[0]})`);
      }
    }
    for (const spec of specs) {
      throwIfAborted(o.signal);
      let loaded: LoadedSet;
      const t0 = performance.now();
      try {
        loaded = await loadSet(spec, { registry: o.registry, ctx, dataDir: o.dataDir, hub: o.hub, limit: o.limit, signal: o.signal });
      } catch (e) {
        if (!isSelfjError(e) || e.code === 'ABORTED') throw e;
        sets.push(summary(spec, undefined, e.message));
        say(`meta-eval: ${spec.name}: not loaded (${e.message.split('\n')[0]})`);
        continue;
      }
      const s = summary(spec, loaded);
      sets.push(s);
      say(`meta-eval: ${spec.name}: ${s.items} items loaded in ${((performance.now() - t0) / 1000).toFixed(1)}s${s.skipped ? ` (${s.skipped} rows left out)` : ''}`);
      for (const [given, judge] of judges) {
        const row: ResultRow = { set: spec.name, judge: given, status: 'skipped', n: 0, rejected: 0, metrics: {}, seconds: 0 };
        rows.push(row);
        if (typeof judge === 'string') {
          row.reason = judge;
          continue;
        }
        Object.assign(row, { judgeId: judge.id, usesReference: judge.usesReference });
        if (judge.usesReference && !hasReferences(loaded)) {
          row.reason = 'the set has no reference answers and this judge needs them';
          continue;
        }
        const t = performance.now();
        try {
          const r = await evaluate(loaded, judge, { batchSize: o.batchSize ?? 64, signal: o.signal });
          Object.assign(row, { status: 'ok', ...r });
        } catch (e) {
          if (isSelfjError(e, 'CAPABILITY_MISSING')) row.reason = e.message.split('\n')[0];
          else if (isSelfjError(e, 'BAD_INPUT')) Object.assign(row, { status: 'failed', reason: e.message.split('\n')[0] });
          else throw e;
        }
        row.seconds = (performance.now() - t) / 1000;
        say(`meta-eval: ${spec.name} x ${given}: ${row.status}${row.reason ? ` (${row.reason})` : ` on ${row.n} in ${row.seconds.toFixed(1)}s`}`);
      }
    }
  } finally {
    for (const j of judges.values()) if (typeof j !== 'string') await j.close?.();
    if (!o.ctx) await (ctx as { close?: () => Promise<void> }).close?.();
  }
  return { format: RESULT_FORMAT, createdAt: new Date().toISOString(), sets, rows };
}
