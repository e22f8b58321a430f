/**
 * downloadToCache: one file from a Hub repo into the standard cache, the way huggingface_hub's hf_hub_download
 * does it (so either tool reuses the other's files), plus resume, verification and an offline mode.
 */
import { mkdir, rename } from 'node:fs/promises';
import { SelfjError } from '@selfj/core';
import { RepoCache } from './cache.js';
import { describe, resolveHubUrl, type HubContext } from './http.js';
import { withLock } from './lock.js';
import { fileMetadata } from './metadata.js';
import { checkRelativePath, checkRepoId, COMMIT_RE, hubCacheDir, isOfflineEnv, type RepoType } from './paths.js';
import { resolveToken } from './token.js';
import { transfer, type Progress } from './transfer.js';

export type { Progress } from './transfer.js';

export interface HubRepoOptions {
  /** "owner/name". */
  repo: string;
  repoType?: RepoType;
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** Default: HF_ENDPOINT or https://huggingface.co. */
  hubUrl?: string;
  /** Default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the saved login token; `null` forces anonymous access. */
  token?: string | null;
  /** Default: hubCacheDir(). */
  cacheDir?: string;
  /** Read only the cache (default: HF_HUB_OFFLINE). */
  offline?: boolean;
  signal?: AbortSignal;
}

export interface DownloadOptions extends HubRepoOptions {
  /** File path inside the repo. */
  path: string;
  onProgress?: (p: Progress) => void;
  /** Resumed attempts after a dropped connection within this call (default 3). */
  retries?: number;
}

export interface DownloadResult {
  /** snapshots/<commit>/<path> (a symlink to the blob). */
  path: string;
  blobPath: string;
  /** sha256 of the contents when known (always for a fresh download and for LFS files). */
  sha256?: string;
  etag: string;
  commit: string;
  size: number;
  fromCache: boolean;
}

export interface ResolvedRepoOptions {
  repo: string;
  repoType: RepoType;
  revision: string;
  hubUrl: string;
  token?: string;
  cacheDir: string;
  offline: boolean;
  signal?: AbortSignal;
}

export function resolveRepoOptions(o: HubRepoOptions): ResolvedRepoOptions {
  if (!o.repo || !checkRepoId(o.repo)) {
    throw new SelfjError('BAD_INPUT', `"${o.repo}" is not a Hub repository id.`, {
      solutions: ['Use the form owner/name, e.g. ggml-org/models or tatsu-lab/alpaca.'],
    });
  }
  const revision = o.revision || 'main';
  if (revision.split('/').some((p) => p === '..' || p === '.' || p === '')) {
    throw new SelfjError('BAD_INPUT', `"${revision}" is not a valid revision.`);
  }
  return {
    repo: o.repo,
    repoType: o.repoType ?? 'model',
    revision,
    hubUrl: resolveHubUrl(o.hubUrl),
    token: resolveToken(o.token),
    cacheDir: o.cacheDir ?? hubCacheDir(),
    offline: o.offline ?? isOfflineEnv(),
    signal: o.signal,
  };
}

const SHA256_RE = /^[0-9a-f]{64}$/;

export function offlineMissing(r: ResolvedRepoOptions, missing: string[], why = 'offline mode is on'): SelfjError {
  const what = describe({ repo: r.repo, repoType: r.repoType, revision: r.revision });
  return new SelfjError('OFFLINE', `${missing.length} file(s) of ${what} are not in the Hugging Face cache (${r.cacheDir}) and ${why}: ${missing.join(', ')}.`, {
    solutions: [
      'Run once with network access (unset HF_HUB_OFFLINE) to fill the cache.',
      'Or copy the files into the cache with huggingface-cli download / another machine, then retry.',
    ],
    details: { repo: r.repo, repoType: r.repoType, revision: r.revision, cacheDir: r.cacheDir, missing },
  });
}

export async function downloadToCache(options: DownloadOptions): Promise<DownloadResult> {
  const r = resolveRepoOptions(options);
  const path = options.path;
  if (!checkRelativePath(path)) {
    throw new SelfjError('BAD_INPUT', `"${path}" is not a valid file path inside a repository.`, {
      solutions: ['Give the path relative to the repository root, with "/" separators and no "..".'],
    });
  }
  const cache = new RepoCache(r.cacheDir, r.repo, r.repoType);
  const fromCache = async (): Promise<DownloadResult | undefined> => {
    const hit = await cache.cachedFile(r.revision, path);
    if (!hit) return undefined;
    return {
      path: hit.path,
      blobPath: hit.etag ? cache.blobPath(hit.etag) : hit.path,
      sha256: SHA256_RE.test(hit.etag) ? hit.etag : undefined,
      etag: hit.etag,
      commit: hit.commit,
      size: hit.size,
      fromCache: true,
    };
  };

  // a pinned commit already on disk needs no network at all
  if (COMMIT_RE.test(r.revision)) {
    const hit = await fromCache();
    if (hit) return hit;
  }
  if (r.offline) {
    const hit = await fromCache();
    if (hit) return hit;
    throw offlineMissing(r, [path]);
  }

  const ctx: HubContext & { revision: string; path: string } = { ...r, path };
  let meta: Awaited<ReturnType<typeof fileMetadata>>;
  try {
    meta = await fileMetadata(ctx);
  } catch (e) {
    // like huggingface_hub: an unreachable Hub falls back to what the cache already holds
    if (e instanceof SelfjError && e.code === 'NETWORK') {
      const hit = await fromCache();
      if (hit) return hit;
    }
    throw e;
  }
  await cache.writeRef(r.revision, meta.commit);
  const blob = cache.blobPath(meta.etag);
  const ready = async () => (await cache.blobSize(meta.etag)) === meta.size;
  const result = (sha256: string | undefined, fresh: boolean, pointer: string): DownloadResult => ({
    path: pointer,
    blobPath: blob,
    sha256: sha256 ?? (SHA256_RE.test(meta.etag) ? meta.etag : undefined),
    etag: meta.etag,
    commit: meta.commit,
    size: meta.size,
    fromCache: !fresh,
  });

  if (await ready()) return result(undefined, false, await cache.linkPointer(meta.etag, meta.commit, path));
  return withLock(
    cache.lockPath(meta.etag),
    async () => {
      if (await ready()) return result(undefined, false, await cache.linkPointer(meta.etag, meta.commit, path));
      const incomplete = `${blob}.incomplete`;
      await mkdir(cache.blobPath(''), { recursive: true });
      const sha256 = await transfer({
        url: meta.location,
        incomplete,
        size: meta.size,
        etag: meta.etag,
        ctx,
        onProgress: options.onProgress,
        retries: options.retries ?? 3,
      });
      await rename(incomplete, blob);
      return result(sha256, true, await cache.linkPointer(meta.etag, meta.commit, path));
    },
    r.signal,
  );
}
