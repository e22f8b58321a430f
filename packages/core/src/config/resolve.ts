/**
 * Reading a config: defaults filled in, every problem reported at once with its path (and, for a CLI flag, the
 * flag's name), unknown keys answered with "did you mean". Validation is the schema's; nothing here re-states a rule.
 */
import leven from 'leven';
import { z } from 'zod';
import { SelfjError } from '../errors.js';
import { configSchema, type SelfjConfig } from './schema.js';

type Json = Record<string, unknown>;

function isObj(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Deep merge of plain objects (arrays and scalars replace). */
export function mergeDeep<T>(base: T, over: unknown): T {
  if (!isObj(base) || !isObj(over)) return (over === undefined ? base : over) as T;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? mergeDeep(out[k], v) : v;
  return out as T;
}

/** Sets `value` at a dotted path, creating objects on the way. */
export function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    if (!isObj(o[k])) o[k] = {};
    o = o[k] as Json;
  }
  o[keys[keys.length - 1]] = value;
}

/** Strips optional/default/nullable wrappers to reach the schema that says what a value is. */
export function unwrapSchema(s: z.ZodType): z.ZodType {
  let cur = s as z.ZodType & { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } };
  for (;;) {
    const def = cur._zod.def;
    if (def.innerType && ['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional'].includes(def.type)) cur = def.innerType as typeof cur;
    else if (def.type === 'pipe' && def.in) cur = def.in as typeof cur;
    else return cur;
  }
}

/** The schema of one setting (`"calibrate.targetRisk"`), or undefined when there is no such setting. */
export function settingSchema(path: string, root: z.ZodType = configSchema): z.ZodType | undefined {
  let cur: z.ZodType | undefined = root;
  for (const key of path.split('.')) {
    const shape: Record<string, z.ZodType> | undefined = cur ? (unwrapSchema(cur) as unknown as { shape?: Record<string, z.ZodType> }).shape : undefined;
    cur = shape?.[key];
    if (!cur) return undefined;
  }
  return cur;
}

/** Keys an object setting accepts (for "did you mean"). */
function knownKeys(path: PropertyKey[], root: z.ZodType): string[] {
  const s = path.length ? settingSchema(path.join('.'), root) : root;
  const shape = s ? (unwrapSchema(s) as unknown as { shape?: Record<string, unknown> }).shape : undefined;
  return shape ? Object.keys(shape) : [];
}

export function didYouMean(word: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = leven(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** How a problem at a config path is named: the flag that set it when one did, else the path. */
export type PathNamer = (path: string) => string;

/** One line per problem: "train.epoch: unknown setting (did you mean epochs?)", "--delta: must be < 1, got 2". */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, root: z.ZodType = configSchema, name: PathNamer = (p) => p): string[] {
  const lines: string[] = [];
  const valueAt = (path: PropertyKey[]) => path.reduce<unknown>((o, k) => (isObj(o) || Array.isArray(o) ? (o as Json)[k as string] : undefined), input);
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path, root);
      for (const key of issue.keys) {
        const full = path ? `${path}.${key}` : key;
        const hint = didYouMean(key, known);
        lines.push(`${name(full)}: unknown setting${hint ? ` (did you mean ${path ? `${path}.` : ''}${hint}?)` : ''}; known here: ${known.join(', ')}`);
      }
      continue;
    }
    const got = valueAt(issue.path);
    const shown = got === undefined ? 'nothing' : typeof got === 'number' && !Number.isFinite(got) ? String(got) : JSON.stringify(got);
    lines.push(`${name(path || '(config)')}: ${plainMessage(issue)}, got ${shown}`);
  }
  return lines;
}

/** zod's messages, reworded for people editing a file ("must be >= 1" rather than "Too small: expected number to be >=1"). */
function plainMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `needs at least ${issue.minimum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `takes at most ${issue.maximum} ${issue.origin === 'array' ? 'items' : 'characters'}`
        : `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** The problems as one BAD_CONFIG error (every problem listed). */
export function configError(
  source: string,
  problems: string[],
  solutions = ['Fix the settings listed above', 'Print the JSON schema with `selfj run --schema` and point your editor at it ("$schema")'],
): SelfjError {
  return new SelfjError('BAD_CONFIG', `${source} has ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`, { solutions, details: { problems } });
}

/** Older spellings that still read: data.file is now data.source. */
function migrate(user: Json): Json {
  const data = user.data;
  if (isObj(data) && 'file' in data && !('source' in data)) {
    const { file, ...rest } = data;
    return { ...user, data: { ...rest, source: file } };
  }
  return user;
}

export interface ResolveOptions {
  /** Where the config came from, for messages (a file path). */
  source?: string;
  /** Settings from CLI flags, by config path (`{"calibrate.targetRisk": 0.1}`); they win over the file. */
  overrides?: Record<string, unknown>;
  /** The flag that set each overridden path, so a problem names the flag the user typed. */
  flagNames?: Record<string, string>;
}

/** A user config (file contents, possibly with CLI overrides) merged over the defaults and validated. */
export function resolveConfig(user: unknown = {}, options: ResolveOptions | string = {}): SelfjConfig {
  const o = typeof options === 'string' ? { source: options } : options;
  const source = o.source ?? 'config';
  if (!isObj(user)) throw new SelfjError('BAD_CONFIG', `${source}: the config must be a JSON object, got ${JSON.stringify(user)?.slice(0, 60)}.`);
  const merged = migrate(structuredClone(user));
  for (const [path, value] of Object.entries(o.overrides ?? {})) if (value !== undefined) setPath(merged, path, value);
  const r = configSchema.safeParse(merged);
  if (r.success) return r.data;
  const flags = o.flagNames ?? {};
  throw configError(source, describeIssues(r.error.issues, merged, configSchema, (p) => (flags[p] ? `${flags[p]} (${p})` : p)));
}

/** Every default (an empty config resolved). */
export const DEFAULT_CONFIG: SelfjConfig = configSchema.parse({});

/** The JSON schema of the config file, generated from the same schema (what `selfj run --schema` prints). */
export const CONFIG_SCHEMA = {
  $id: 'https://selfj.dev/schema/selfj.config.json',
  title: 'selfj pipeline config',
  ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
} as Record<string, unknown> & { properties: Record<string, unknown> };
