/** The manifest every stage artifact carries: what made it (config hash, model, templates) and whether it is done. */
import { join } from 'node:path';
import { readJsonFile, writeJsonAtomic } from './atomic.js';

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

/** The config hash of the stage that produced `file`, when it sits in a stage directory with a manifest. */
export function upstreamHash(recordsFile: string): string | undefined {
  const dir = recordsFile.replace(/[/\\][^/\\]+$/, '');
  try {
    const m = readManifest(dir);
    return m?.complete ? m.configHash : undefined;
  } catch {
    return undefined;
  }
}
