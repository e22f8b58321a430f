/** What every stage shares: options, the model fingerprint, input hashing and record field access. */
import { existsSync } from 'node:fs';
import type { ModelBackend } from '../contracts/backend.js';
import { fileFingerprint, hashOf } from '../infra/hash.js';
import { assertReadable, countLines } from '../infra/jsonl.js';
import { BadRecord, type OnBadRecord } from '../infra/stage-runner.js';
import type { OnConfigChange } from '../infra/artifact-state.js';
import type { StageShard } from '../infra/shard.js';
import type { Logger } from '../infra/logger.js';
import { upstreamHash, type ModelInfo } from '../infra/manifest.js';

export interface StageCommon {
  /** The stage's artifact directory. */
  dir: string;
  signal?: AbortSignal;
  logger?: Logger;
  /** Progress bar on stderr (default: only on a TTY outside CI). */
  progress?: boolean;
  onBadRecord?: OnBadRecord;
  force?: boolean;
  /** What to do when the directory holds work made with other settings: refuse (default) or redo it. */
  onConfigChange?: OnConfigChange;
  /** Run only this part of the stage (merged later with `selfj merge`). */
  shard?: StageShard;
}

/** The runner options a stage passes through unchanged; the progress bar's total is the input's line count. */
export function runnerCommon(o: StageCommon & { input: string }) {
  return {
    onBadRecord: o.onBadRecord,
    signal: o.signal,
    logger: o.logger,
    progress: { enabled: o.progress, total: () => countLines(o.input) },
    force: o.force,
    onConfigChange: o.onConfigChange,
    shard: o.shard,
  };
}

const modelHashes = new Map<string, Promise<ModelInfo>>();

/** Model id and file fingerprint: from the backend when it says (modelPath/modelHash), else from a path-like id. */
export function modelInfo(backend: ModelBackend): Promise<ModelInfo> {
  let p = modelHashes.get(backend.id);
  if (!p) {
    p = (async () => {
      const b = backend as ModelBackend & { modelHash?: string; modelPath?: string };
      if (typeof b.modelHash === 'string') return { id: backend.id, fileHash: b.modelHash };
      const path = typeof b.modelPath === 'string' ? b.modelPath : backend.id.replace(/^[a-z][a-z0-9+.-]+:/, '');
      if (path && existsSync(path)) return { id: backend.id, fileHash: await fileFingerprint(path) };
      return { id: backend.id };
    })();
    modelHashes.set(backend.id, p);
  }
  return p;
}

/** Identity of an input file: its producing stage's config hash, or a fingerprint of its bytes. */
export async function inputIdentity(file: string): Promise<{ file: string; configHash: string }> {
  await assertReadable(file);
  return { file, configHash: upstreamHash(file) ?? (await fileFingerprint(file)) };
}

export function stageHash(parts: Record<string, unknown>): string {
  return hashOf(parts);
}

/** A required string field of an input record, or BadRecord naming it. */
export function str(v: Record<string, unknown>, field: string, what = field): string {
  const x = v[field];
  if (typeof x !== 'string') throw new BadRecord(`missing ${what} (field "${field}" must be a string)`);
  if (!x.trim()) throw new BadRecord(`empty ${what} (field "${field}")`);
  return x;
}

export function num(v: Record<string, unknown>, field: string, lo = -Infinity, hi = Infinity): number {
  const x = v[field];
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new BadRecord(`field "${field}" must be a finite number, got ${JSON.stringify(x)}`);
  if (x < lo || x > hi) throw new BadRecord(`field "${field}" = ${x} is outside [${lo}, ${hi}]`);
  return x;
}

export function optStr(v: Record<string, unknown>, field: string): string | undefined {
  const x = v[field];
  return typeof x === 'string' ? x : x === undefined || x === null ? undefined : String(x);
}

/** Key of a record from a previous stage (its `key`), else id#sample, else the id. */
export function recordKey(v: Record<string, unknown>): string {
  if (typeof v.key === 'string') return v.key;
  const id = v.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new BadRecord('missing "key" or "id"');
  return v.sample !== undefined ? `${id}#${v.sample}` : String(id);
}

/** Drops the `key` field (the runner writes it first) and returns the rest. */
export function withoutKey(v: Record<string, unknown>): Record<string, unknown> {
  const { key: _key, ...rest } = v;
  return rest;
}
