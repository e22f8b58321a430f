/**
 * What a stage run does with what its directory already holds: skip a complete artifact made by the same
 * config, resume a partial one, and never silently replace work made by another config or input: that needs
 * `force` (or `onConfigChange: 'redo'`, which `selfj run` uses for the artifacts it owns).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError } from '../errors.js';
import { canonicalJson } from './hash.js';
import type { Logger } from './logger.js';
import { MANIFEST_FILE, RECORDS_FILE, REJECTS_FILE, type StageManifest } from './manifest.js';
import { RECORDS_ORDER_FILE, REJECTS_ORDER_FILE } from './shard.js';

export type OnConfigChange = 'refuse' | 'redo';

export type ArtifactAction = 'skip' | 'resume' | 'fresh';

const short = (v: unknown) => {
  const s = canonicalJson(v) ?? 'none';
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** Human-readable differences between the manifest on disk and the one this run would write. */
export function describeManifestChange(before: Partial<StageManifest>, after: Partial<StageManifest>): string[] {
  const out: string[] = [];
  if (before.stage !== after.stage) out.push(`stage: was "${before.stage}", now "${after.stage}"`);
  const bi = before.input;
  const ai = after.input;
  if (canonicalJson(bi) !== canonicalJson(ai)) {
    out.push(`input: was ${bi ? `${bi.file} (identity ${bi.configHash})` : 'none'}, now ${ai ? `${ai.file} (identity ${ai.configHash})` : 'none'}`);
  }
  if (canonicalJson(before.model) !== canonicalJson(after.model)) out.push(`model: was ${short(before.model)}, now ${short(after.model)}`);
  if (canonicalJson(before.templates) !== canonicalJson(after.templates)) out.push('templates: the prompt templates changed');
  const bc = (before.config ?? {}) as Record<string, unknown>;
  const ac = (after.config ?? {}) as Record<string, unknown>;
  if (bc && ac && typeof bc === 'object' && typeof ac === 'object') {
    for (const k of [...new Set([...Object.keys(bc), ...Object.keys(ac)])].sort()) {
      if (canonicalJson(bc[k]) !== canonicalJson(ac[k])) out.push(`config.${k}: was ${short(bc[k])}, now ${short(ac[k])}`);
    }
  }
  if (canonicalJson(before.extra) !== canonicalJson(after.extra)) out.push('extra: stage settings recorded in the manifest changed');
  if (canonicalJson(before.shard) !== canonicalJson(after.shard)) out.push(`shard: was ${short(before.shard)}, now ${short(after.shard)}`);
  if (!out.length) out.push(`config hash: was ${before.configHash}, now ${after.configHash}`);
  return out;
}

export interface DecideOptions {
  dir: string;
  stage: string;
  previous: StageManifest | undefined;
  next: Omit<StageManifest, 'counts' | 'complete'>;
  force?: boolean;
  onConfigChange?: OnConfigChange;
  logger: Logger;
}

/** Decides skip / resume / fresh, removing the old files for a fresh start; throws ARTIFACT_MISMATCH to refuse. */
export function decideArtifact(o: DecideOptions): ArtifactAction {
  const { dir, previous: prev } = o;
  const files = [RECORDS_FILE, REJECTS_FILE, RECORDS_ORDER_FILE, REJECTS_ORDER_FILE, MANIFEST_FILE].map((f) => join(dir, f));
  const clear = () => files.forEach((f) => rmSync(f, { force: true }));
  if (o.force) {
    if (prev || existsSync(files[0])) o.logger.info('stage.restart', { stage: o.stage, reason: 'forced', dir });
    clear();
    return 'fresh';
  }
  if (!prev) {
    if (existsSync(files[0])) {
      throw new SelfjError('ARTIFACT_MISMATCH', `${files[0]} exists but ${dir} has no stage manifest: it was not written by a selfj stage.`, {
        solutions: [`Choose another --out directory`, `Pass --force to replace ${files[0]}`],
        details: { dir },
      });
    }
    return 'fresh';
  }
  const same = prev.configHash === o.next.configHash && prev.stage === o.next.stage && canonicalJson(prev.shard) === canonicalJson(o.next.shard);
  if (same) return prev.complete ? 'skip' : 'resume';
  const changes = describeManifestChange(prev, o.next);
  if (o.onConfigChange === 'redo') {
    o.logger.warn('stage.restart', { stage: o.stage, reason: 'config changed', changes, dir });
    clear();
    return 'fresh';
  }
  const what = prev.complete ? `a complete "${prev.stage}" artifact (${prev.counts.records} records, ${prev.counts.rejected} rejected)` : `a partial "${prev.stage}" artifact (${prev.counts.records} records so far)`;
  throw new SelfjError('ARTIFACT_MISMATCH', `${dir} holds ${what} made with other settings:\n  ${changes.join('\n  ')}`, {
    solutions: ['Pass --force to replace it with this run', 'Or write this run to another --out directory', 'Or run again with the settings it was made with'],
    details: { dir, changes, previous: { configHash: prev.configHash, complete: prev.complete }, configHash: o.next.configHash },
  });
}
