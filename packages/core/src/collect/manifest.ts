/**
 * The collect manifest (JSON): which sources to read, how to map them, their category and priority, and the
 * filter / dedupe / split / sampling settings. Sources are processed in priority order (higher first; ties keep
 * manifest order), so "keep the first duplicate" means "keep the one from the preferred source".
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SelfjError } from '../errors.js';
import type { Category } from '../contracts/records.js';
import type { FilterConfig } from './filters.js';
import type { MinHashOptions } from './minhash.js';

export interface ManifestSource {
  /** Unique name; it becomes `record.source` and the key in stats. */
  name: string;
  /** A local file path (relative to the manifest) or a URI such as hf://datasets/owner/name@rev. */
  uri: string;
  /** Field mapping / preset, passed to the loader as is (e.g. {"preset": "alpaca"} or {"reference": "output"}). */
  mapping?: Record<string, unknown>;
  /** Category of every record of this source; otherwise the classifier or the record's own category. */
  category?: Category;
  /** Higher is preferred (read first). Default 0. */
  priority?: number;
  /** Loader options passed through (format, split, config, revision, ...). */
  options?: Record<string, unknown>;
}

export interface DedupeConfig {
  /** Which text identifies a duplicate. Default "instruction". */
  key?: 'instruction' | 'instruction+reference';
  /** Exact duplicates by normalised-text hash. Default true. */
  exact?: boolean;
  /** Near duplicates by MinHash/LSH; false disables. Default enabled with threshold 0.7. */
  near?: (MinHashOptions & { enabled?: boolean }) | false;
}

export interface CollectSplitConfig {
  /** Fraction of each category that goes to test.jsonl (0..1). Default 0.05. */
  test?: number;
  /** Changes which records are test, deterministically. Default "selfj". */
  seed?: string;
}

export interface CollectSampleConfig {
  /** Keep at most N per category (one number for all, or per category name; "*" for the rest). */
  perCategory?: number | Record<string, number>;
  seed?: string;
}

export interface CollectManifest {
  sources: ManifestSource[];
  filters?: FilterConfig;
  dedupe?: DedupeConfig;
  split?: CollectSplitConfig;
  sample?: CollectSampleConfig;
  /** "builtin:heuristic" or a module path whose default export is (record) => category | undefined. */
  classifier?: string;
  onBadRecord?: 'fail' | 'skip';
}

function bad(message: string, where: string): SelfjError {
  return new SelfjError('BAD_CONFIG', `Manifest ${where}: ${message}`, {
    solutions: ['See docs for the manifest format: {"sources": [{"name", "uri", "mapping"?, "category"?, "priority"?}], ...}'],
  });
}

/** Validates a parsed manifest; relative local source paths are resolved against `baseDir`. */
export function validateCollectManifest(raw: unknown, where = '<manifest>', baseDir = process.cwd()): CollectManifest {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('must be a JSON object', where);
  const m = raw as CollectManifest;
  if (!Array.isArray(m.sources) || m.sources.length === 0) throw bad('"sources" must be a non-empty array', where);
  const names = new Set<string>();
  const sources = m.sources.map((s, i) => {
    if (!s || typeof s !== 'object') throw bad(`sources[${i}] must be an object`, where);
    if (typeof s.name !== 'string' || !s.name) throw bad(`sources[${i}].name must be a non-empty string`, where);
    if (names.has(s.name)) throw bad(`duplicate source name ${JSON.stringify(s.name)}`, where);
    names.add(s.name);
    if (typeof s.uri !== 'string' || !s.uri) throw bad(`sources[${i}] (${s.name}) needs a "uri" (path or hf://...)`, where);
    if (s.priority !== undefined && !Number.isFinite(s.priority)) throw bad(`sources[${i}].priority must be a number`, where);
    const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(s.uri);
    return { ...s, uri: local && !isAbsolute(s.uri) ? resolve(baseDir, s.uri) : s.uri };
  });
  const test = m.split?.test;
  if (test !== undefined && !(test >= 0 && test <= 1)) throw bad('split.test must be a fraction in [0, 1]', where);
  const near = m.dedupe?.near;
  if (near && near.threshold !== undefined && !(near.threshold > 0 && near.threshold <= 1)) {
    throw bad('dedupe.near.threshold must be in (0, 1]', where);
  }
  if (m.onBadRecord !== undefined && m.onBadRecord !== 'fail' && m.onBadRecord !== 'skip') {
    throw bad('onBadRecord must be "fail" or "skip"', where);
  }
  return { ...m, sources };
}

export async function readCollectManifest(path: string): Promise<CollectManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new SelfjError('NOT_FOUND', `Cannot read manifest ${path}`, { cause: e, solutions: ['Check the --manifest path'] });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SelfjError('BAD_CONFIG', `Manifest ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return validateCollectManifest(raw, path, dirname(resolve(path)));
}

/** Sources in processing order: priority descending, then manifest order. */
export function orderSources(sources: ManifestSource[]): ManifestSource[] {
  return sources
    .map((s, i) => ({ s, i }))
    .sort((a, b) => (b.s.priority ?? 0) - (a.s.priority ?? 0) || a.i - b.i)
    .map((x) => x.s);
}
