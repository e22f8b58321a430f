/**
 * `selfj pull`: one GGUF from the Hugging Face Hub into the standard Hub cache (shared with Python's
 * huggingface_hub) through @selfj/hub (resumable, size- and sha256-checked while downloading), then verified as a
 * model file: GGUF magic, size on disk, and for a file that was already cached, its sha256 again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SelfjError } from '@selfj/core';
import { downloadToCache, type Progress } from '@selfj/hub';
import { checkGgufFile } from './gguf-file.js';

export interface PullOptions {
  repo: string;
  file: string;
  revision?: string;
  hubUrl?: string;
  cacheDir?: string;
  token?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Re-hash a file that was already in the cache (default true). */
  verifyCached?: boolean;
}

export interface PullResult {
  /** snapshots/<commit>/<file> in the Hub cache. */
  path: string;
  size: number;
  sha256?: string;
  commit: string;
  fromCache: boolean;
  /** What was checked: GGUF magic, size, sha256 (false when the Hub gave no sha256, i.e. a non-LFS file). */
  verified: { gguf: true; size: true; sha256: boolean };
}

async function sha256Of(path: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function pullModel(o: PullOptions): Promise<PullResult> {
  const r = await downloadToCache({
    repo: o.repo,
    path: o.file,
    revision: o.revision,
    hubUrl: o.hubUrl,
    cacheDir: o.cacheDir,
    token: o.token,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  const onDisk = (await stat(r.path)).size;
  if (Number.isFinite(r.size) && onDisk !== r.size) {
    throw new SelfjError('ARTIFACT_CORRUPT', `${r.path} has ${onDisk} bytes; the Hub says ${r.size}.`, {
      details: { path: r.path, blobPath: r.blobPath },
      solutions: [`Delete ${r.blobPath} and run selfj pull again.`],
    });
  }
  let sha256Checked = false;
  if (r.sha256) {
    // A fresh download was hashed while streaming (@selfj/hub); a cached one is re-hashed here.
    if (r.fromCache && o.verifyCached !== false) {
      const got = await sha256Of(r.path, o.signal);
      if (got !== r.sha256) {
        throw new SelfjError('ARTIFACT_CORRUPT', `${r.path} does not match its sha256 (${r.sha256}); the cached file is damaged.`, {
          details: { path: r.path, blobPath: r.blobPath, expected: r.sha256, got },
          solutions: [`Delete ${r.blobPath} and run selfj pull again.`],
        });
      }
    }
    sha256Checked = !r.fromCache || o.verifyCached !== false;
  }
  try {
    await checkGgufFile(r.path);
  } catch (e) {
    throw new SelfjError('MODEL_NOT_SUPPORTED', `${o.repo}/${o.file} was downloaded to ${r.path}, but it is not a GGUF model file.`, {
      cause: e,
      details: { path: r.path },
      solutions: ['Pick a .gguf file from the repository (repos named *-GGUF have them).'],
    });
  }
  return {
    path: r.path,
    size: onDisk,
    sha256: r.sha256,
    commit: r.commit,
    fromCache: r.fromCache,
    verified: { gguf: true, size: true, sha256: sha256Checked },
  };
}
