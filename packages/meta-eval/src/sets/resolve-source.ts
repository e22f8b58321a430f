/**
 * Where a set's files come from: for each part, the local copy under --data-dir/<owner>/<name>/<path> when it is
 * there, else the Hugging Face dataset at the pinned revision. GitHub-hosted parts are only ever read locally; when
 * no alternative of a set can be read, the error says which files to put where.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError } from '@selfj/core';
import type { PartSpec, SetSpec, SourceSpec } from './types.js';

export interface ResolvedFile {
  /** A local path, or hf://datasets/<repo>@<revision> (with `pattern` naming the file). */
  uri: string;
  pattern?: string;
  /** Shown in the output: the local path, or repo@revision/path. */
  label: string;
}

export interface ResolvedPart {
  spec: PartSpec;
  files: ResolvedFile[];
  local: boolean;
}

function localPath(dataDir: string, part: PartSpec, file: string): string {
  return join(dataDir, ...part.repo.split('/'), ...file.split('/'));
}

function resolvePart(part: PartSpec, dataDir?: string): ResolvedPart | undefined {
  if (dataDir && part.files.every((f) => existsSync(localPath(dataDir, part, f)))) {
    return { spec: part, local: true, files: part.files.map((f) => ({ uri: localPath(dataDir, part, f), label: localPath(dataDir, part, f) })) };
  }
  if (part.host !== 'hf') return undefined;
  const rev = part.revision ?? 'main';
  return { spec: part, local: false, files: part.files.map((f) => ({ uri: `hf://datasets/${part.repo}@${rev}`, pattern: f, label: `${part.repo}@${rev.slice(0, 12)}/${f}` })) };
}

export function resolveSource(set: SetSpec, dataDir?: string): Record<string, ResolvedPart> {
  const tryOne = (s: SourceSpec) => {
    const out: Record<string, ResolvedPart> = {};
    for (const [name, part] of Object.entries(s.parts)) {
      const r = resolvePart(part, dataDir);
      if (!r) return undefined;
      out[name] = r;
    }
    return out;
  };
  // a complete local copy wins; otherwise the first alternative that the Hub (plus local files) can serve
  if (dataDir) {
    for (const s of set.sources) {
      const r = tryOne(s);
      if (r && Object.values(r).every((p) => p.local)) return r;
    }
  }
  for (const s of set.sources) {
    const r = tryOne(s);
    if (r) return r;
  }
  const wanted = set.sources.flatMap((s) =>
    Object.values(s.parts)
      .filter((p) => p.host === 'github')
      .flatMap((p) => p.files.map((f) => `${p.repo}/${f}${p.revision ? ` (github.com/${p.repo} at ${p.revision.slice(0, 12)})` : ''}`)),
  );
  throw new SelfjError('NOT_FOUND', `Set "${set.name}": its files are not on the Hugging Face Hub and not under ${dataDir ? `--data-dir ${dataDir}` : 'a --data-dir'}.`, {
    details: { set: set.name, dataDir },
    solutions: [
      `Download them and place each at <data-dir>/<owner>/<name>/<path>: ${[...new Set(wanted)].join('; ')}`,
      'Then pass --data-dir <that folder>.',
    ],
  });
}
