import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import { downloadToCache, hubCacheDir, isOfflineEnv, listCachedFiles, listRepoFiles, missingFromCache, parseHubRef, resolveRevision } from '../src/index.js';
import type { FakeHub } from '../src/testing/fake-hub.js';
import { bytes, setup } from './helpers.js';

let hub: FakeHub;
let cacheDir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ hub, cacheDir, done } = await setup()));
afterEach(() => done());

describe('cache location and offline mode', () => {
  it('finds the cache like huggingface_hub', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b' })).toBe('/a');
    expect(hubCacheDir({ HF_HOME: '/b' })).toBe('/b/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({ HOME: '/h' })).toMatch(/\.cache\/huggingface\/hub$/);
  });

  it('offline from HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE or HF_DATASETS_OFFLINE, with the truthy values of huggingface_hub', () => {
    for (const name of ['HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', 'HF_DATASETS_OFFLINE']) {
      for (const v of ['1', 'true', 'TRUE', 'Yes', 'on', ' ON ']) expect(isOfflineEnv({ [name]: v }), `${name}=${v}`).toBe(true);
      for (const v of ['0', 'false', 'no', 'off', '', 'maybe']) expect(isOfflineEnv({ [name]: v }), `${name}=${v}`).toBe(false);
    }
    expect(isOfflineEnv({})).toBe(false);
    // as huggingface_hub reads them: HF_HUB_OFFLINE, when set, decides over TRANSFORMERS_OFFLINE
    expect(isOfflineEnv({ HF_HUB_OFFLINE: '0', TRANSFORMERS_OFFLINE: '1' })).toBe(false);
    expect(isOfflineEnv({ HF_HUB_OFFLINE: '', TRANSFORMERS_OFFLINE: '1' })).toBe(true);
  });

  it('TRANSFORMERS_OFFLINE=1 alone keeps a download from reaching the Hub', async () => {
    const saved = { HF_HUB_OFFLINE: process.env.HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE: process.env.TRANSFORMERS_OFFLINE };
    delete process.env.HF_HUB_OFFLINE;
    process.env.TRANSFORMERS_OFFLINE = '1';
    try {
      hub.commit('model', 'acme/m', { 'w.gguf': 'weights' });
      const err = await downloadToCache({ repo: 'acme/m', path: 'w.gguf', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
      expect(isSelfjError(err, 'OFFLINE')).toBe(true);
      expect(hub.requests.length).toBe(0);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('reads a cache laid out by Python huggingface_hub, offline, with no request', async () => {
    const commit = 'a'.repeat(40);
    const data = Buffer.from('hello from python');
    const etag = createHash('sha256').update(data).digest('hex');
    const storage = join(cacheDir, 'models--org--model');
    await mkdir(join(storage, 'blobs'), { recursive: true });
    await mkdir(join(storage, 'refs'), { recursive: true });
    await mkdir(join(storage, 'snapshots', commit, 'sub'), { recursive: true });
    await writeFile(join(storage, 'blobs', etag), data);
    await writeFile(join(storage, 'refs', 'main'), commit);
    await symlink(`../../../blobs/${etag}`, join(storage, 'snapshots', commit, 'sub', 'f.gguf'));
    const r = await downloadToCache({ repo: 'org/model', path: 'sub/f.gguf', hubUrl: hub.url, cacheDir, offline: true });
    expect(r).toMatchObject({ commit, etag, sha256: etag, size: data.length, fromCache: true });
    expect(await readFile(r.path, 'utf8')).toBe('hello from python');
    expect(hub.requests.length).toBe(0);
    expect(await listCachedFiles({ repo: 'org/model', cacheDir })).toEqual({ commit, files: ['sub/f.gguf'] });
  });

  it('offline (option or HF_HUB_OFFLINE=1) says which files are missing', async () => {
    hub.commit('dataset', 'acme/d', { 'a.jsonl': '{"x":1}\n', 'b.jsonl': '{"x":2}\n' });
    await downloadToCache({ repo: 'acme/d', repoType: 'dataset', path: 'a.jsonl', hubUrl: hub.url, cacheDir, token: null });
    const n = hub.requests.length;
    const saved = process.env.HF_HUB_OFFLINE;
    process.env.HF_HUB_OFFLINE = '1';
    try {
      const hit = await downloadToCache({ repo: 'acme/d', repoType: 'dataset', path: 'a.jsonl', hubUrl: hub.url, cacheDir });
      expect(hit.fromCache).toBe(true);
      const err = await downloadToCache({ repo: 'acme/d', repoType: 'dataset', path: 'b.jsonl', hubUrl: hub.url, cacheDir }).catch((e) => e);
      expect(isSelfjError(err, 'OFFLINE')).toBe(true);
      expect(err.details.missing).toEqual(['b.jsonl']);
      expect(err.message).toContain('b.jsonl');
      expect(await missingFromCache({ repo: 'acme/d', repoType: 'dataset', cacheDir, paths: ['a.jsonl', 'b.jsonl'] })).toEqual(['b.jsonl']);
      expect((await listRepoFiles({ repo: 'acme/d', repoType: 'dataset', cacheDir })).map((f) => f.path)).toEqual(['a.jsonl']);
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_OFFLINE;
      else process.env.HF_HUB_OFFLINE = saved;
    }
    expect(hub.requests.length).toBe(n);
  });

  it('falls back to the cache when the Hub is unreachable', async () => {
    hub.commit('model', 'acme/m', { 'm.gguf': bytes(3000) });
    const first = await downloadToCache({ repo: 'acme/m', path: 'm.gguf', hubUrl: hub.url, cacheDir, token: null });
    const again = await downloadToCache({ repo: 'acme/m', path: 'm.gguf', hubUrl: 'http://127.0.0.1:9', cacheDir, token: null });
    expect(again).toMatchObject({ path: first.path, fromCache: true, commit: first.commit });
  });
});

describe('listing and revisions', () => {
  it('lists every file (paginated, with LFS info) and resolves a branch to its commit', async () => {
    hub.pageSize = 2;
    const big = bytes(5000);
    const commit = hub.commit('dataset', 'acme/many', { 'README.md': '# hi', 'data/train-0.parquet': big, 'data/train-1.jsonl': '{}\n', 'data/test.jsonl': '{}\n', 'x/y/z.txt': 'z' });
    const files = await listRepoFiles({ repo: 'acme/many', repoType: 'dataset', revision: commit, hubUrl: hub.url, cacheDir, token: null });
    expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'data/test.jsonl', 'data/train-0.parquet', 'data/train-1.jsonl', 'x/y/z.txt']);
    const lfs = files.find((f) => f.path === 'data/train-0.parquet')!;
    expect(lfs.lfs?.oid).toBe(createHash('sha256').update(big).digest('hex'));
    expect(lfs.size).toBe(5000);
    expect(hub.requests.filter((q) => q.url.includes('/tree/')).length).toBe(3); // 5 entries, 2 per page
    const sub = await listRepoFiles({ repo: 'acme/many', repoType: 'dataset', revision: commit, under: 'data', hubUrl: hub.url, cacheDir, token: null });
    expect(sub.length).toBe(3);

    const resolved = await resolveRevision({ repo: 'acme/many', repoType: 'dataset', revision: 'main', hubUrl: hub.url, cacheDir, token: null });
    expect(resolved).toBe(commit);
    expect(await readFile(join(cacheDir, 'datasets--acme--many', 'refs', 'main'), 'utf8')).toBe(commit);
    expect(await resolveRevision({ repo: 'acme/many', repoType: 'dataset', cacheDir, offline: true })).toBe(commit);
    // the listing at a commit is remembered: offline knows every file, cached or not
    const off = await listRepoFiles({ repo: 'acme/many', repoType: 'dataset', cacheDir, offline: true });
    expect(off.map((f) => f.path).sort()).toEqual(files.map((f) => f.path).sort());
    expect(off.find((f) => f.path === 'data/train-0.parquet')!.lfs?.oid).toBe(lfs.lfs!.oid);
    expect((await listRepoFiles({ repo: 'acme/many', repoType: 'dataset', cacheDir, offline: true, under: 'x' })).map((f) => f.path)).toEqual(['x/y/z.txt']);
  });

  it('parses hf:// references', () => {
    expect(parseHubRef('hf://datasets/tatsu-lab/alpaca@v1.0/data/*.parquet')).toEqual({ repoType: 'dataset', repo: 'tatsu-lab/alpaca', revision: 'v1.0', path: 'data/*.parquet' });
    expect(parseHubRef('hf://ggml-org/models/tinyllamas/stories260K.gguf')).toEqual({ repoType: 'model', repo: 'ggml-org/models', revision: undefined, path: 'tinyllamas/stories260K.gguf' });
    expect(parseHubRef('hf://datasets/a/b@refs%2Fpr%2F3').revision).toBe('refs/pr/3');
    expect(parseHubRef('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf')).toEqual({
      repoType: 'model', repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF', revision: undefined, path: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    });
    expect(() => parseHubRef('https://x')).toThrow(/Hub reference/);
  });
});
