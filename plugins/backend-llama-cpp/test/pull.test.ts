import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from '@selfj/hub/testing';
import { isSelfjError } from '@selfj/core';
import { pullModel } from '../src/pull.js';
import { resolveModel, parseHfModelRef, DEFAULT_MODEL } from '../src/resolve-model.js';
import { testModelPath } from './model.js';

let hub: FakeHub;
let root: string;
let gguf: Buffer;

beforeAll(async () => {
  gguf = await readFile(testModelPath());
  hub = await new FakeHub().start();
  hub.commit('model', 'ggml-org/models', { 'tinyllamas/stories260K.gguf': gguf, 'README.md': 'not a model' });
  root = await mkdtemp(join(tmpdir(), 'selfj-pull-'));
});
afterAll(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

describe('pullModel against a loopback Hub', () => {
  it('downloads into the Hub cache layout, verifies GGUF + size + sha256, reports progress', async () => {
    const cacheDir = join(root, 'c1');
    const seen: number[] = [];
    const r = await pullModel({
      repo: 'ggml-org/models',
      file: 'tinyllamas/stories260K.gguf',
      hubUrl: hub.url,
      cacheDir,
      token: null,
      onProgress: (p) => seen.push(p.downloaded),
    });
    expect(r.path).toBe(join(cacheDir, 'models--ggml-org--models', 'snapshots', r.commit, 'tinyllamas', 'stories260K.gguf'));
    expect(Buffer.compare(await readFile(r.path), gguf)).toBe(0);
    expect(r.size).toBe(gguf.length);
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.verified).toEqual({ gguf: true, size: true, sha256: true });
    expect(r.fromCache).toBe(false);
    expect(seen.at(-1)).toBe(gguf.length);
    // the snapshot entry points at the blob named by the sha256 (huggingface_hub layout)
    expect(await readlink(r.path)).toContain(`blobs/${r.sha256}`);
    // second pull: from the cache, re-hashed
    const again = await pullModel({ repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf', hubUrl: hub.url, cacheDir, token: null });
    expect(again.fromCache).toBe(true);
    expect(again.verified.sha256).toBe(true);
  });

  it('resumes an interrupted download', async () => {
    const cacheDir = join(root, 'c2');
    // an LFS file comes from the CDN, where faults match by sha256: cut the body after 100 kB once
    hub.faults.push({ match: createHash('sha256').update(gguf).digest('hex'), cutAfter: 100_000 });
    const sha = (await pullModel({ repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf', hubUrl: hub.url, cacheDir, token: null })).sha256;
    expect(sha).toBe(createHash('sha256').update(gguf).digest('hex'));
    expect(hub.requests.some((q) => q.range?.startsWith('bytes='))).toBe(true);
  });

  it('detects a damaged cached file (sha256) and a non-GGUF file', async () => {
    const cacheDir = join(root, 'c3');
    const r = await pullModel({ repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf', hubUrl: hub.url, cacheDir, token: null });
    const damaged = Buffer.from(gguf);
    damaged[5000] ^= 0xff;
    await writeFile(r.path, damaged);
    const e1 = await pullModel({ repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(e1, 'ARTIFACT_CORRUPT')).toBe(true);
    const e2 = await pullModel({ repo: 'ggml-org/models', file: 'README.md', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(e2, 'MODEL_NOT_SUPPORTED')).toBe(true);
    const e3 = await pullModel({ repo: 'ggml-org/models', file: 'nope.gguf', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(e3)).toBe(true);
  });
});

describe('resolveModel', () => {
  it('parses hf: references', () => {
    expect(parseHfModelRef('hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf')).toEqual({
      repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
      file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
      revision: undefined,
    });
    expect(parseHfModelRef('hf://ggml-org/models@v1/tinyllamas/stories260K.gguf')).toEqual({
      repo: 'ggml-org/models',
      revision: 'v1',
      file: 'tinyllamas/stories260K.gguf',
    });
    expect(parseHfModelRef('/models/x.gguf')).toBeUndefined();
    expect(() => parseHfModelRef('hf:justone')).toThrow(/not a Hub model reference/);
  });

  it('explicit path, then hf: ref (downloaded), then SELFJ_MODEL', async () => {
    const path = testModelPath();
    expect(await resolveModel(path, { env: {} })).toEqual({ path, source: 'path' });
    const missing = await resolveModel(join(root, 'missing.gguf'), { env: {} }).catch((e) => e);
    expect(isSelfjError(missing, 'NOT_FOUND')).toBe(true);
    const viaHub = await resolveModel('hf:ggml-org/models/tinyllamas/stories260K.gguf', { env: {}, hubUrl: hub.url, cacheDir: join(root, 'c4') });
    expect(viaHub.source).toBe('hub');
    expect(viaHub.path).toContain('models--ggml-org--models');
    expect(await resolveModel(undefined, { env: { SELFJ_MODEL: path } })).toEqual({ path, source: 'env' });
  });

  it('offline without a model is OFFLINE, naming SELFJ_MODEL (no fallback to a file the user did not name)', async () => {
    const e = await resolveModel(undefined, { env: {}, offline: true, cacheDir: join(root, 'c5') }).catch((x) => x);
    expect(isSelfjError(e, 'OFFLINE')).toBe(true);
    expect(e.message).toContain('SELFJ_MODEL');
    expect(e.message).toContain(DEFAULT_MODEL.repo);
  });
});
