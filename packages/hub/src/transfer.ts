/**
 * Streams a URL into `<blob>.incomplete`, resuming with an HTTP Range from whatever is already there, retrying a body
 * cut short, hashing as it goes, then verifies size and hash. The caller renames the file into place.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat, truncate, unlink } from 'node:fs/promises';
import { SelfjError } from '@selfj/core';
import { describe, httpError, hubFetch, isAbort, networkError, type HubContext } from './http.js';

export interface Progress {
  path: string;
  downloaded: number;
  total: number;
  /** Bytes that were already on disk from an earlier, interrupted download. */
  resumedFrom: number;
}

export interface TransferOptions {
  url: string;
  incomplete: string;
  /** Expected byte count (NaN when unknown). */
  size: number;
  etag: string;
  ctx: HubContext & { path: string };
  onProgress?: (p: Progress) => void;
  /** Further attempts after a failed or truncated body (each resumes). */
  retries: number;
}

const SHA256_RE = /^[0-9a-f]{64}$/;
const GIT_OID_RE = /^[0-9a-f]{40}$/;

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Re-hashes the first `n` bytes already on disk (resume) so the final digest covers the whole file. */
async function hashPrefix(path: string, n: number, hashes: Hash[]): Promise<void> {
  if (n === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: n - 1 })) for (const h of hashes) h.update(chunk as Buffer);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function retryable(e: SelfjError): boolean {
  const status = Number(e.details.status);
  return e.code === 'NETWORK' || (e.code === 'HTTP_ERROR' && (status === 429 || status >= 500));
}

/** Downloads and verifies; returns the sha256 of the file. */
export async function transfer(o: TransferOptions): Promise<string> {
  const { ctx } = o;
  let attemptsLeft = o.retries;
  for (;;) {
    let have = await fileSize(o.incomplete);
    if (!Number.isNaN(o.size) && have > o.size) {
      await truncate(o.incomplete, 0);
      have = 0;
    }
    const resumedFrom = have;
    const sha256 = createHash('sha256');
    // git blob oid = sha1("blob <size>\0" + content): lets non-LFS files be verified too
    const gitSha1 = GIT_OID_RE.test(o.etag) && !Number.isNaN(o.size) ? createHash('sha1').update(`blob ${o.size}\0`) : undefined;
    const hashes = gitSha1 ? [sha256, gitSha1] : [sha256];
    let failure: unknown;
    let truncated = false;
    let progressed = false;
    try {
      if (Number.isNaN(o.size) || have < o.size || o.size === 0) {
        const headers: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
        const res = await hubFetch(o.url, ctx, { headers, allowError: true });
        if (res.status === 416 && have > 0) {
          await res.body?.cancel().catch(() => undefined);
          await truncate(o.incomplete, 0);
          throw new Error('range not satisfiable; restarting');
        }
        if (!res.ok) throw await httpError(res, ctx);
        if (have > 0 && res.status !== 206) {
          have = 0; // server ignored the Range: start over
        }
        await hashPrefix(o.incomplete, have, hashes);
        const fh = await open(o.incomplete, have > 0 ? 'a' : 'w');
        let done = have;
        try {
          if (!res.body) throw new Error('empty body');
          truncated = true; // until the body ends cleanly
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            await fh.write(chunk);
            for (const h of hashes) h.update(chunk);
            done += chunk.byteLength;
            progressed = true;
            o.onProgress?.({ path: ctx.path, downloaded: done, total: o.size, resumedFrom });
          }
          truncated = false;
        } finally {
          await fh.close();
        }
        if (!Number.isNaN(o.size) && done < o.size) {
          truncated = true;
          throw new Error(`connection closed after ${done} of ${o.size} bytes`);
        }
      } else {
        await hashPrefix(o.incomplete, have, hashes); // a previous run got every byte but did not finish
        o.onProgress?.({ path: ctx.path, downloaded: have, total: o.size, resumedFrom });
      }
    } catch (e) {
      failure = e;
    }
    if (failure !== undefined) {
      if (isAbort(failure, ctx.signal)) throw networkError(failure, ctx); // becomes ABORTED; .incomplete kept for a resume
      if (failure instanceof SelfjError && !retryable(failure)) throw failure;
      if (progressed) attemptsLeft = o.retries; // a flaky link that keeps delivering is not out of retries
      if (attemptsLeft-- > 0) {
        // no progress (refused, 429/5xx): back off; a cut after progress resumes at once
        if (!progressed) await sleep(Math.min(250 * 2 ** (o.retries - attemptsLeft - 1), 4000), ctx.signal);
        continue;
      }
      const err = failure instanceof SelfjError ? failure : networkError(failure, ctx);
      throw new SelfjError(err.code, `${err.message.split('\nPossible solutions:')[0]}${truncated ? ' (download cut short)' : ''}`, {
        solutions: ['Run the same command again: the download resumes from the partial file.', ...err.solutions],
        details: { ...err.details, partialFile: o.incomplete, bytes: await fileSize(o.incomplete) },
        cause: undefined,
      });
    }
    const final = await fileSize(o.incomplete);
    const digest = sha256.digest('hex');
    const problems: string[] = [];
    if (!Number.isNaN(o.size) && final !== o.size) problems.push(`size ${final} != expected ${o.size}`);
    if (SHA256_RE.test(o.etag) && digest !== o.etag) problems.push(`sha256 ${digest} != ${o.etag}`);
    if (gitSha1) {
      const oid = gitSha1.digest('hex');
      if (oid !== o.etag) problems.push(`git oid ${oid} != ${o.etag}`);
    }
    if (problems.length) {
      await unlink(o.incomplete).catch(() => undefined);
      throw new SelfjError('ARTIFACT_CORRUPT', `Downloaded ${describe(ctx)} failed verification: ${problems.join('; ')}.`, {
        solutions: ['Run the command again to download the file afresh.', 'If it keeps failing, a proxy may be altering the file.'],
        details: { repo: ctx.repo, path: ctx.path, problems },
      });
    }
    return digest;
  }
}
