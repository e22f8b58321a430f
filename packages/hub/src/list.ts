/**
 * Repository listings through @huggingface/hub (GET /api/<type>s/<repo>/tree/<rev>?recursive=true, and
 * GET /api/<type>s/<repo>/revision/<rev> for the commit), with our auth and typed errors; offline, the cache answers.
 */
import { datasetInfo, listFiles, modelInfo, spaceInfo } from '@huggingface/hub';
import { SelfjError } from '@selfj/core';
import { RepoCache } from './cache.js';
import { offlineMissing, resolveRepoOptions, type HubRepoOptions, type ResolvedRepoOptions } from './download.js';
import { describe, hubFetchFor, type HubContext } from './http.js';
import { COMMIT_RE } from './paths.js';

export interface RepoFile {
  path: string;
  size: number;
  /** git blob oid. */
  oid?: string;
  /** Present for LFS files: oid is the sha256 of the contents. */
  lfs?: { oid: string; size: number };
}

export interface ListOptions extends HubRepoOptions {
  /** Only files under this folder. */
  under?: string;
}

function ctxOf(r: ResolvedRepoOptions): HubContext {
  return { hubUrl: r.hubUrl, token: r.token, repo: r.repo, repoType: r.repoType, revision: r.revision, signal: r.signal };
}

/**
 * The commit a branch/tag points to (a commit id is returned as is). Records refs/<revision> in the cache, so later
 * offline runs resolve the same name. Offline, the cached ref answers.
 */
export async function resolveRevision(options: HubRepoOptions): Promise<string> {
  const r = resolveRepoOptions(options);
  if (COMMIT_RE.test(r.revision)) return r.revision;
  const cache = new RepoCache(r.cacheDir, r.repo, r.repoType);
  if (r.offline) {
    const c = await cache.readRef(r.revision);
    if (c) return c;
    throw new SelfjError('OFFLINE', `Offline mode is on and the cache has no record of ${describe(r)} (no refs/${r.revision}).`, {
      solutions: ['Run once with network access (unset HF_HUB_OFFLINE), or give a commit id as the revision.'],
      details: { repo: r.repo, repoType: r.repoType, revision: r.revision, cacheDir: r.cacheDir },
    });
  }
  const common = { name: r.repo, revision: r.revision, hubUrl: r.hubUrl, fetch: hubFetchFor(ctxOf(r)) };
  let info: { sha?: unknown };
  if (r.repoType === 'dataset') info = await datasetInfo({ ...common, additionalFields: ['sha'] });
  else if (r.repoType === 'space') info = await spaceInfo({ ...common, additionalFields: ['sha'] });
  else info = await modelInfo({ ...common, additionalFields: ['sha'] });
  if (typeof info.sha !== 'string' || !COMMIT_RE.test(info.sha)) {
    throw new SelfjError('HTTP_ERROR', `The Hub did not return a commit id for ${describe(r)}.`, { details: { repo: r.repo } });
  }
  await cache.writeRef(r.revision, info.sha);
  return info.sha;
}

/**
 * Every file of a repo at a revision (recursive). A listing at a commit is remembered in the cache, so offline the
 * full listing is known (and missing files can be named); without one, offline lists the cached snapshot (size -1).
 */
export async function listRepoFiles(options: ListOptions): Promise<RepoFile[]> {
  const r = resolveRepoOptions(options);
  const cache = new RepoCache(r.cacheDir, r.repo, r.repoType);
  const under = options.under ? `${options.under.replace(/\/+$/, '')}/` : '';
  if (r.offline) {
    const commit = await cache.readRef(r.revision);
    const saved = commit ? await cache.loadTree<RepoFile>(commit) : undefined;
    if (saved) return saved.filter((f) => f.path.startsWith(under));
    const { files } = await listCachedFiles(options);
    return files.filter((p) => p.startsWith(under)).map((path) => ({ path, size: -1 }));
  }
  const out: RepoFile[] = [];
  const it = listFiles({
    repo: { type: r.repoType, name: r.repo },
    revision: r.revision,
    path: options.under,
    recursive: true,
    hubUrl: r.hubUrl,
    fetch: hubFetchFor(ctxOf(r)),
  });
  for await (const e of it) {
    if (e.type !== 'file') continue;
    out.push({ path: e.path, size: e.size, oid: e.oid, ...(e.lfs ? { lfs: { oid: e.lfs.oid, size: e.lfs.size } } : {}) });
  }
  if (COMMIT_RE.test(r.revision) && !under) await cache.saveTree(r.revision, out).catch(() => undefined); // best effort
  return out;
}

/** What the cache holds for a revision, without any network: {commit, files}. Throws OFFLINE when it holds nothing. */
export async function listCachedFiles(options: HubRepoOptions): Promise<{ commit: string; files: string[] }> {
  const r = resolveRepoOptions(options);
  const cache = new RepoCache(r.cacheDir, r.repo, r.repoType);
  const commit = await cache.readRef(r.revision);
  const files = commit ? await cache.snapshotFiles(commit) : [];
  if (!commit || files.length === 0) throw offlineMissing(r, ['(every file: nothing cached for this revision)']);
  return { commit, files };
}

/** Which of `paths` the cache lacks for a revision (offline check before a run). */
export async function missingFromCache(options: HubRepoOptions & { paths: string[] }): Promise<string[]> {
  const r = resolveRepoOptions(options);
  const cache = new RepoCache(r.cacheDir, r.repo, r.repoType);
  const missing: string[] = [];
  for (const p of options.paths) if (!(await cache.cachedFile(r.revision, p))) missing.push(p);
  return missing;
}
