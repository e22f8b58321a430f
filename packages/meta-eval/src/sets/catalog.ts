/**
 * Finding sets by name: every set on the "meta-eval.sets" extension point of the registry (the built-ins come from
 * this package's plugin, others from any loaded plugin), group names, and set definitions given as objects or as
 * JSON files of the same shape.
 */
import { readFileSync } from 'node:fs';
import { didYouMean, SelfjError, type PluginRegistry } from '@selfj/core';
import { GROUPS } from './presets.js';
import { SETS_EXTENSION, type SetSpec } from './types.js';

const KINDS = ['pointwise', 'pairwise', 'ranking', 'bon'];

/** Every set the registry knows, by name. */
export async function knownSets(registry: PluginRegistry): Promise<Map<string, SetSpec>> {
  const out = new Map<string, SetSpec>();
  for (const e of await registry.extensions<SetSpec>(SETS_EXTENSION)) out.set(e.name, e.value);
  return out;
}

export function checkSetSpec(s: unknown, where: string): SetSpec {
  const x = s as SetSpec;
  const problems: string[] = [];
  if (!x || typeof x !== 'object') problems.push('not an object');
  else {
    if (typeof x.name !== 'string' || !x.name) problems.push('"name" must be a non-empty string');
    if (!KINDS.includes(x.kind)) problems.push(`"kind" must be one of ${KINDS.join(', ')}`);
    if (typeof x.protocol !== 'string') problems.push('"protocol" is missing');
    if (!Array.isArray(x.sources) || x.sources.length === 0) problems.push('"sources" must list at least one {parts: {...}}');
    for (const src of x.sources ?? []) {
      for (const [name, p] of Object.entries(src?.parts ?? {})) {
        if (!p || !['hf', 'github'].includes(p.host) || typeof p.repo !== 'string' || !Array.isArray(p.files) || !p.files.length || typeof p.fields !== 'object') {
          problems.push(`part "${name}" needs host ("hf"|"github"), repo, files [..] and fields {..}`);
        }
      }
    }
  }
  if (problems.length) {
    throw new SelfjError('BAD_CONFIG', `${where}: not a meta-evaluation set: ${problems.join('; ')}.`, {
      solutions: ['See docs/meta-eval.md "Your own set" for the shape (a built-in set printed by `selfj meta-eval --list --json` is an example).'],
    });
  }
  return { ...x, published: x.published ?? [], notes: x.notes ?? [], title: x.title ?? x.name, paper: x.paper ?? '' };
}

/** A set definition from a JSON file (one set, or a list of sets). */
export function readSetFile(path: string): SetSpec[] {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SelfjError('BAD_CONFIG', `Cannot read the set definition ${path}: ${(e as Error).message}`, { solutions: ['Give a JSON file with one set object or a list of them.'] });
  }
  return (Array.isArray(v) ? v : [v]).map((s, i) => checkSetSpec(s, `${path}${Array.isArray(v) ? `[${i}]` : ''}`));
}

/** Names (or group names) and inline definitions -> the sets, in order, without duplicates. */
export async function resolveSets(registry: PluginRegistry, wanted: (string | SetSpec)[]): Promise<SetSpec[]> {
  const known = await knownSets(registry);
  const out = new Map<string, SetSpec>();
  for (const w of wanted) {
    if (typeof w !== 'string') {
      const s = checkSetSpec(w, 'set definition');
      out.set(s.name, s);
      continue;
    }
    const names = w === 'all' ? [...known.keys()] : (GROUPS.find((g) => g.name === w)?.sets ?? [w]);
    for (const n of names) {
      const s = known.get(n);
      if (!s) {
        const hint = didYouMean(n, [...known.keys(), ...GROUPS.map((g) => g.name)]);
        throw new SelfjError('NOT_FOUND', `No meta-evaluation set "${n}"${hint ? ` (did you mean "${hint}"?)` : ''}.`, {
          solutions: [`Known sets: ${[...known.keys()].join(', ')}; groups: ${GROUPS.map((g) => g.name).join(', ')}, all.`, 'Or pass a set definition file (.json).'],
        });
      }
      out.set(n, s);
    }
  }
  return [...out.values()];
}
