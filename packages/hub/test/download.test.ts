import { createHash } from 'node:crypto';
import { lstat, readFile, readlink, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import { downloadToCache } from '../src/index.js';
import type { FakeHub } from '../src/testing/fake-hub.js';
import { bytes, setup } from './helpers.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let hub: FakeHub;
let cacheDir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ hub, cacheDir, done } = await setup()));
afterEach(() => done());

describe('downloadToCache', () => {
  it('stores a small (git) file in the standard layout and reuses it', async () => {
    const commit = hub.commit('model', 'acme/tiny', { 'config.json': '{"a":1}' });
    const r = await downloadToCache({ repo: 'acme/tiny', path: 'config.json', hubUrl: hub.url, cacheDir, token: null });
    const storage = join(cacheDir, 'models--acme--tiny');
    expect(r.path).toBe(join(storage, 'snapshots', commit, 'config.json'));
    expect(r.commit).toBe(commit);
    expect(r.fromCache).toBe(false);
    expect(r.size).toBe(7);
    expect(r.sha256).toBe(sha256(Buffer.from('{"a":1}')));
    expect(await readFile(r.path, 'utf8')).toBe('{"a":1}');
    expect((await lstat(r.path)).isSymbolicLink()).toBe(true);
    expect(await readlink(r.path)).toBe(`../../blobs/${r.etag}`);
    expect(r.etag).toMatch(/^[0-9a-f]{40}$/); // git oid for non-LFS files
    expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(commit);

    const before = hub.requests.length;
    const again = await downloadToCache({ repo: 'acme/tiny', path: 'config.json', hubUrl: hub.url, cacheDir, token: null });
    expect(again.fromCache).toBe(true);
    expect(again.path).toBe(r.path);
    expect(hub.requests.slice(before).map((q) => q.method)).toEqual(['HEAD']); // metadata only, no body
  });

  it('downloads an LFS file via the CDN, verifies sha256, and never sends the token to the CDN', async () => {
    const data = bytes(50_000, 7);
    hub.commit('model', 'acme/gguf', { 'm/model.gguf': data }, 'main', { token: 'hf_SECRET_token_123' });
    const seen: number[] = [];
    const r = await downloadToCache({
      repo: 'acme/gguf', path: 'm/model.gguf', hubUrl: hub.url, cacheDir, token: 'hf_SECRET_token_123',
      onProgress: (p) => seen.push(p.downloaded),
    });
    expect(r.etag).toBe(sha256(data));
    expect(r.sha256).toBe(sha256(data));
    expect(r.size).toBe(50_000);
    expect(Buffer.compare(await readFile(r.path), data)).toBe(0);
    expect(seen.at(-1)).toBe(50_000);
    const cdn = hub.requests.filter((q) => q.server === 'cdn');
    expect(cdn.length).toBe(1);
    expect(cdn[0].authorization).toBeUndefined();
    expect(hub.requests.filter((q) => q.server === 'hub').every((q) => q.authorization === 'Bearer hf_SECRET_token_123')).toBe(true);
  });

  it('resumes a download cut short mid-body with an HTTP Range request', async () => {
    const data = bytes(40_000, 3);
    hub.commit('dataset', 'acme/data', { 'train.bin': data });
    hub.faults.push({ match: sha256(data), cutAfter: 16_384 });
    const r = await downloadToCache({ repo: 'acme/data', repoType: 'dataset', path: 'train.bin', hubUrl: hub.url, cacheDir, token: null });
    expect(Buffer.compare(await readFile(r.path), data)).toBe(0);
    const ranges = hub.requests.filter((q) => q.server === 'cdn').map((q) => q.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(ranges[1]!)![1])).toBeGreaterThan(0);
  });

  it('keeps the partial file when retries run out, and the next call resumes from it', async () => {
    const data = bytes(30_000, 5);
    hub.commit('model', 'acme/m', { 'w.bin': data });
    hub.faults.push({ match: sha256(data), cutAfter: 10_000 });
    const opts = { repo: 'acme/m', path: 'w.bin', hubUrl: hub.url, cacheDir, token: null, retries: 0 };
    const err = await downloadToCache(opts).catch((e) => e);
    expect(isSelfjError(err, 'NETWORK')).toBe(true);
    expect(err.message).toMatch(/cut short/);
    const partial = join(cacheDir, 'models--acme--m', 'blobs', `${sha256(data)}.incomplete`);
    const partialSize = (await stat(partial)).size;
    expect(partialSize).toBeGreaterThan(0);
    expect(partialSize).toBeLessThan(30_000);
    const r = await downloadToCache(opts);
    expect(r.fromCache).toBe(false);
    expect(Buffer.compare(await readFile(r.path), data)).toBe(0);
    expect(hub.requests.filter((q) => q.server === 'cdn').at(-1)!.range).toBe(`bytes=${partialSize}-`);
  });

  it('rejects a file whose bytes do not match the LFS sha256', async () => {
    const data = bytes(5_000, 9);
    hub.commit('model', 'acme/bad', { 'x.bin': data });
    const blobs = join(cacheDir, 'models--acme--bad', 'blobs');
    await mkdir(blobs, { recursive: true });
    await writeFile(join(blobs, `${sha256(data)}.incomplete`), bytes(5_000, 10)); // full length, wrong bytes
    const err = await downloadToCache({ repo: 'acme/bad', path: 'x.bin', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(err, 'ARTIFACT_CORRUPT')).toBe(true);
    expect(err.message).toMatch(/sha256/);
    await expect(stat(join(blobs, `${sha256(data)}.incomplete`))).rejects.toThrow(); // removed, so a rerun starts clean
    const ok = await downloadToCache({ repo: 'acme/bad', path: 'x.bin', hubUrl: hub.url, cacheDir, token: null });
    expect(ok.sha256).toBe(sha256(data));
  });

  it('pins a commit: a cached commit needs no request at all, and writes no ref', async () => {
    const commit = hub.commit('model', 'acme/pin', { 'a.txt': 'A' });
    await downloadToCache({ repo: 'acme/pin', path: 'a.txt', revision: commit, hubUrl: hub.url, cacheDir, token: null });
    await expect(stat(join(cacheDir, 'models--acme--pin', 'refs', 'main'))).rejects.toThrow();
    const n = hub.requests.length;
    const r = await downloadToCache({ repo: 'acme/pin', path: 'a.txt', revision: commit, hubUrl: hub.url, cacheDir, token: null });
    expect(r.fromCache).toBe(true);
    expect(hub.requests.length).toBe(n);
  });

  it('shares one download between concurrent callers', async () => {
    const data = bytes(20_000, 11);
    hub.commit('model', 'acme/c', { 'f.bin': data });
    const opts = { repo: 'acme/c', path: 'f.bin', hubUrl: hub.url, cacheDir, token: null };
    const [a, b] = await Promise.all([downloadToCache(opts), downloadToCache(opts)]);
    expect(a.path).toBe(b.path);
    expect([a.fromCache, b.fromCache].sort()).toEqual([false, true]);
    expect(hub.requests.filter((q) => q.server === 'cdn').length).toBe(1);
  });

  it('stops on an AbortSignal with ABORTED', async () => {
    hub.commit('model', 'acme/ab', { 'f.bin': bytes(2_000) });
    const ac = new AbortController();
    ac.abort();
    const err = await downloadToCache({ repo: 'acme/ab', path: 'f.bin', hubUrl: hub.url, cacheDir, token: null, signal: ac.signal }).catch((e) => e);
    expect(isSelfjError(err, 'ABORTED')).toBe(true);
  });

  it('refuses paths and repo ids that would escape the cache', async () => {
    for (const bad of [{ repo: 'acme/x', path: '../etc/passwd' }, { repo: '../x', path: 'a' }, { repo: 'acme/x', path: '/abs' }]) {
      const err = await downloadToCache({ ...bad, hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
      expect(isSelfjError(err, 'BAD_INPUT')).toBe(true);
    }
  });
});

describe('locks', () => {
  it('takes over a lock left by a dead process', async () => {
    const { writeFile: wf, mkdir: mk } = await import('node:fs/promises');
    const data = bytes(3_000, 21);
    hub.commit('model', 'acme/lock', { 'f.bin': data });
    const lockDir = join(cacheDir, '.locks', 'models--acme--lock');
    await mk(lockDir, { recursive: true });
    await wf(join(lockDir, `${sha256(data)}.selfj.lock`), '2147483646'); // no such pid
    const r = await downloadToCache({ repo: 'acme/lock', path: 'f.bin', hubUrl: hub.url, cacheDir, token: null });
    expect(r.sha256).toBe(sha256(data));
  });
});

describe('cancellation mid-body', () => {
  it('aborting during the body gives ABORTED and keeps the partial file for a resume', async () => {
    const data = bytes(200_000, 31);
    hub.commit('model', 'acme/slow', { 'w.bin': data });
    // the CDN sends a first part, then stalls (the fault cuts after a pause; we abort before that)
    hub.faults.push({ match: sha256(data), cutAfter: 50_000 });
    const ac = new AbortController();
    const opts = { repo: 'acme/slow', path: 'w.bin', hubUrl: hub.url, cacheDir, token: null, retries: 0 };
    const err = await downloadToCache({ ...opts, signal: ac.signal, onProgress: (p) => p.downloaded >= 50_000 && ac.abort() }).catch((e) => e);
    expect(isSelfjError(err, 'ABORTED')).toBe(true);
    const partial = join(cacheDir, 'models--acme--slow', 'blobs', `${sha256(data)}.incomplete`);
    expect((await stat(partial)).size).toBe(50_000);
    const r = await downloadToCache(opts);
    expect(Buffer.compare(await readFile(r.path), data)).toBe(0);
    expect(hub.requests.filter((q) => q.server === 'cdn').at(-1)!.range).toBe('bytes=50000-');
    await expect(stat(join(cacheDir, '.locks', 'models--acme--slow', `${sha256(data)}.selfj.lock`))).rejects.toThrow(); // lock released
  });
});

describe('retries', () => {
  it('retries a 503 on the body request with backoff, then succeeds', async () => {
    hub.commit('model', 'acme/busy', { 'small.txt': 'hello' });
    hub.faults.push({ match: 'small.txt', status: 503, method: 'GET', times: 2 });
    const t0 = Date.now();
    const r = await downloadToCache({ repo: 'acme/busy', path: 'small.txt', hubUrl: hub.url, cacheDir, token: null });
    expect(await readFile(r.path, 'utf8')).toBe('hello');
    expect(hub.requests.filter((q) => q.method === 'GET').length).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700); // 250 + 500 ms of backoff
  });

  it('gives up with HTTP_ERROR after the retries, naming the status', async () => {
    hub.commit('model', 'acme/down', { 'small.txt': 'hello' });
    hub.faults.push({ match: 'small.txt', status: 500, method: 'GET', times: 5 });
    const err = await downloadToCache({ repo: 'acme/down', path: 'small.txt', hubUrl: hub.url, cacheDir, token: null, retries: 1 }).catch((e) => e);
    expect(isSelfjError(err, 'HTTP_ERROR')).toBe(true);
    expect(err.message).toContain('HTTP 500');
  });
});
