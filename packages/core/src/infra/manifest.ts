/** The manifest every stage artifact carries: what made it (config hash, model, templates) and whether it is done. */
import { join } from 'node:path';
import { SelfjError } from '../errors.js';
import { readJsonFile, writeJsonAtomic } from './atomic.js';
import type { StageShard } from './shard.js';

export interface ModelInfo {
  id: string;
  /** Fingerprint of the model file (see fileFingerprint), when the model is a local file. */
  fileHash?: string;
}

export interface StageManifest {
  format: 'selfj-stage';
  version: 1;
  stage: string;
  /** Hash of this stage's config together with its input's config hash: any upstream change invalidates it. */
  configHash: string;
  config: unknown;
  model?: ModelInfo;
  templates?: Record<string, string>;
  input?: { file: string; configHash?: string };
  /** Set on one shard's artifact (`--shard i/N`); absent on a whole or merged artifact. */
  shard?: StageShard;
  counts: { records: number; rejected: number };
  complete: boolean;
  /** Stage-specific extras (e.g. the embedder id, the label formula). */
  extra?: Record<string, unknown>;
}

export const RECORDS_FILE = 'records.jsonl';
export const REJECTS_FILE = 'rejects.jsonl';
export const MANIFEST_FILE = 'manifest.json';

export function readManifest(dir: string): StageManifest | undefined {
  return readJsonFile<StageManifest>(join(dir, MANIFEST_FILE), 'stage manifest');
}

export function writeManifest(dir: string, manifest: StageManifest): void {
  writeJsonAtomic(join(dir, MANIFEST_FILE), manifest);
}

/**
 * The config hash of the stage that produced `file`, when it sits in a stage directory with a complete manifest.
 * A shard's records are refused as input: they are a part of the stage's output, and would pass for the whole.
 */
export function upstreamHash(recordsFile: string): string | undefined {
  const dir = recordsFile.replace(/[/\\][^/\\]+$/, '');
  let m: StageManifest | undefined;
  try {
    m = readManifest(dir);
  } catch {
    return undefined;
  }
  if (m?.shard && m.format === 'selfj-stage') {
    const parent = dir.replace(/[/\\][^/\\]+$/, '');
    throw new SelfjError('BAD_INPUT', `${recordsFile} is shard ${m.shard.index}/${m.shard.count} of a "${m.stage}" stage, not the whole output.`, {
      solutions: [`Merge the shards first: selfj merge ${parent}, then use ${join(parent, RECORDS_FILE)}`],
      details: { file: recordsFile, shard: m.shard },
    });
  }
  return m?.complete ? m.configHash : undefined;
}
