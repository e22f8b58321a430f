/**
 * The pipeline config: one file (JSON) drives `selfj run`; every stage command reads the same shape (its own
 * section plus `backend`/`seed`). Defaults follow SELFJ-METHOD.md. `validateConfig` gives every problem at once,
 * each with its JSON path; the JSON schema for editors is in config-schema.ts.
 */
import { SelfjError } from '../errors.js';
import { DEFAULT_COMBINE, type CombineConfig } from '../stages/label-math.js';
import type { PromptTemplate, TemplateSet } from '../stages/templates.js';

export interface DataConfig {
  /** JSONL with one instruction per line. */
  file: string;
  fields: { id: string; instruction: string; reference: string; category: string };
  /** Use only the first `limit` records. */
  limit?: number;
}

export interface BackendConfig {
  /** "<scheme>:<model>", e.g. "llama-cpp:/models/q.gguf". */
  id: string;
  options: Record<string, unknown>;
  /** Batches in flight at once against this backend. */
  concurrency: number;
  /** Prompts per backend call. */
  batchSize: number;
}

export interface SampleConfig {
  samples: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  stop?: string[];
}

export interface SimilarityConfig {
  /** Embedder id, e.g. "static:/path/vectors.bin". */
  embedder: string;
  options: Record<string, unknown>;
  batchSize: number;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  weightDecay: number;
  studentWeight: number;
  klWeight: number;
  /** Share of items held out for validation and early stopping. */
  valSplit: number;
  /** Epochs without validation improvement before stopping. */
  patience: number;
}

export interface CalibrateConfig {
  targetRisk: number;
  delta: number;
  /** A label z below this is a bad answer. */
  badBelow: number;
}

export interface SelfjConfig {
  $schema?: string;
  /** Output directory: one sub-directory per stage. */
  out: string;
  seed: number;
  onBadRecord: 'fail' | 'skip';
  plugins: string[];
  data: DataConfig;
  backend: BackendConfig;
  templates: Partial<Record<keyof TemplateSet, Partial<PromptTemplate>>>;
  sample: SampleConfig;
  similarity: SimilarityConfig;
  label: CombineConfig;
  train: TrainConfig;
  calibrate: CalibrateConfig;
  /** Instruction ids are split by hash: the judge trains on "train", tau is chosen on "calibrate", "test" is reported. */
  splits: { train: number; calibrate: number; test: number };
}

export const DEFAULT_CONFIG: SelfjConfig = {
  out: './selfj-run',
  seed: 0,
  onBadRecord: 'fail',
  plugins: [],
  data: { file: '', fields: { id: 'id', instruction: 'instruction', reference: 'reference', category: 'category' } },
  backend: { id: '', options: {}, concurrency: 1, batchSize: 4 },
  templates: {},
  sample: { samples: 1, temperature: 0.7, topP: 0.9, maxTokens: 512 },
  similarity: { embedder: '', options: {}, batchSize: 256 },
  label: DEFAULT_COMBINE,
  train: { epochs: 30, batchSize: 32, lr: 3e-3, warmupSteps: 10, weightDecay: 0.01, studentWeight: 0.3, klWeight: 2, valSplit: 0.2, patience: 5 },
  calibrate: { targetRisk: 0.2, delta: 0.1, badBelow: 5 },
  splits: { train: 0.6, calibrate: 0.2, test: 0.2 },
};

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

interface Rule {
  path: string;
  type: 'number' | 'integer' | 'string' | 'boolean' | 'object' | 'array';
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  enum?: string[];
  optional?: boolean;
}

const RULES: Rule[] = [
  { path: 'out', type: 'string' },
  { path: 'seed', type: 'integer', min: 0 },
  { path: 'onBadRecord', type: 'string', enum: ['fail', 'skip'] },
  { path: 'plugins', type: 'array' },
  { path: 'data.file', type: 'string' },
  { path: 'data.limit', type: 'integer', min: 1, optional: true },
  { path: 'backend.id', type: 'string' },
  { path: 'backend.concurrency', type: 'integer', min: 1 },
  { path: 'backend.batchSize', type: 'integer', min: 1 },
  { path: 'sample.samples', type: 'integer', min: 1 },
  { path: 'sample.temperature', type: 'number', min: 0 },
  { path: 'sample.topP', type: 'number', min: 0, max: 1 },
  { path: 'sample.maxTokens', type: 'integer', min: 1 },
  { path: 'similarity.embedder', type: 'string' },
  { path: 'similarity.batchSize', type: 'integer', min: 1 },
  { path: 'label.w1', type: 'number' },
  { path: 'label.w2', type: 'number' },
  { path: 'label.bias', type: 'number' },
  { path: 'label.normalize', type: 'boolean' },
  { path: 'label.clip', type: 'array' },
  { path: 'train.epochs', type: 'integer', min: 1 },
  { path: 'train.batchSize', type: 'integer', min: 1 },
  { path: 'train.lr', type: 'number', min: 0, exclusiveMin: true },
  { path: 'train.warmupSteps', type: 'integer', min: 0 },
  { path: 'train.weightDecay', type: 'number', min: 0 },
  { path: 'train.studentWeight', type: 'number', min: 0 },
  { path: 'train.klWeight', type: 'number', min: 0 },
  { path: 'train.valSplit', type: 'number', min: 0, max: 0.9 },
  { path: 'train.patience', type: 'integer', min: 1 },
  { path: 'calibrate.targetRisk', type: 'number', min: 0, max: 1, exclusiveMin: true },
  { path: 'calibrate.delta', type: 'number', min: 0, max: 1, exclusiveMin: true },
  { path: 'calibrate.badBelow', type: 'number' },
  { path: 'splits.train', type: 'number', min: 0, max: 1, exclusiveMin: true },
  { path: 'splits.calibrate', type: 'number', min: 0, max: 1 },
  { path: 'splits.test', type: 'number', min: 0, max: 1 },
];

function get(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), obj);
}

const KNOWN_TOP = new Set([...Object.keys(DEFAULT_CONFIG), '$schema']);

/** Merges a user config over the defaults and validates it; throws BAD_CONFIG listing every problem. */
export function resolveConfig(user: unknown, source = 'config'): SelfjConfig {
  if (!isObj(user)) throw new SelfjError('BAD_CONFIG', `${source}: the config must be a JSON object.`);
  const problems: string[] = [];
  for (const k of Object.keys(user)) if (!KNOWN_TOP.has(k)) problems.push(`${k}: unknown setting (known: ${[...KNOWN_TOP].join(', ')})`);
  const cfg = mergeDeep(DEFAULT_CONFIG, user);
  for (const r of RULES) {
    const v = get(cfg, r.path);
    if (v === undefined) {
      if (!r.optional) problems.push(`${r.path}: missing`);
      continue;
    }
    const ok =
      r.type === 'integer' ? Number.isInteger(v) : r.type === 'array' ? Array.isArray(v) : r.type === 'object' ? isObj(v) : typeof v === r.type;
    if (!ok) {
      problems.push(`${r.path}: expected ${r.type}, got ${JSON.stringify(v)}`);
      continue;
    }
    if (typeof v === 'number') {
      if (r.min !== undefined && (r.exclusiveMin ? v <= r.min : v < r.min)) problems.push(`${r.path}: must be ${r.exclusiveMin ? '>' : '>='} ${r.min}, got ${v}`);
      if (r.max !== undefined && v > r.max) problems.push(`${r.path}: must be <= ${r.max}, got ${v}`);
    }
    if (r.enum && !r.enum.includes(v as string)) problems.push(`${r.path}: must be one of ${r.enum.join(', ')}, got ${JSON.stringify(v)}`);
  }
  const clip = cfg.label.clip;
  if (!Array.isArray(clip) || clip.length !== 2 || !(clip[0] < clip[1])) problems.push('label.clip: expected [low, high] with low < high');
  if (problems.length) {
    throw new SelfjError('BAD_CONFIG', `${source} has ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      solutions: ['Fix the settings listed above', 'Print the JSON schema with `selfj run --schema` and point your editor at it'],
      details: { problems },
    });
  }
  return cfg;
}
