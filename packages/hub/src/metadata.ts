/**
 * What huggingface_hub's `get_hf_file_metadata` does: a HEAD on the resolve URL, following only same-origin
 * redirects, reading X-Repo-Commit, X-Linked-Etag / ETag and X-Linked-Size / Content-Length.
 */
import { SelfjError } from '@selfj/core';
import { describe, hubFetch, type HubContext } from './http.js';

export interface FileMetadata {
  commit: string;
  etag: string;
  size: number;
  /** Where to GET the bytes (the CDN location when the Hub redirected, else the resolve URL). */
  location: string;
}

export function resolveUrl(hubUrl: string, repo: string, repoType: string, revision: string, path: string): string {
  const prefix = repoType === 'model' ? '' : `${repoType}s/`;
  const encPath = path.split('/').map(encodeURIComponent).join('/');
  return `${hubUrl}/${prefix}${repo}/resolve/${encodeURIComponent(revision)}/${encPath}`;
}

/** `W/"abc"` -> `abc`. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"+|"+$/g, '') || undefined;
}

export async function fileMetadata(ctx: HubContext & { revision: string; path: string }): Promise<FileMetadata> {
  const url = resolveUrl(ctx.hubUrl, ctx.repo, ctx.repoType, ctx.revision, ctx.path);
  const res = await hubFetch(url, ctx, { method: 'HEAD', follow: 'relative' });
  const h = res.headers;
  const commit = h.get('x-repo-commit') ?? undefined;
  const etag = normalizeEtag(h.get('x-linked-etag') ?? h.get('etag'));
  const sizeText = h.get('x-linked-size') ?? h.get('content-length');
  const size = sizeText === null ? Number.NaN : Number.parseInt(sizeText, 10);
  const location = res.status >= 300 && res.status < 400 ? new URL(h.get('location')!, url).href : url;
  const missing = [!commit && 'X-Repo-Commit', !etag && 'ETag', Number.isNaN(size) && 'size'].filter(Boolean);
  if (missing.length) {
    throw new SelfjError('HTTP_ERROR', `The Hub's answer for ${describe(ctx)} lacks ${missing.join(', ')}.`, {
      solutions: ['A proxy between you and the Hub may strip headers: check HF_ENDPOINT / proxy settings.'],
      details: { repo: ctx.repo, path: ctx.path, missing },
    });
  }
  if (!/^[\w.-]+$/.test(etag!) || !/^[0-9a-f]{40}$/.test(commit!)) {
    throw new SelfjError('HTTP_ERROR', `The Hub returned an unusable ETag or commit for ${describe(ctx)}.`, {
      details: { repo: ctx.repo, path: ctx.path },
    });
  }
  return { commit: commit!, etag: etag!, size, location };
}
