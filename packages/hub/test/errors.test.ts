import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSelfjError, SelfjError } from '@selfj/core';
import { downloadToCache, listRepoFiles, resolveRevision } from '../src/index.js';
import type { FakeHub } from '../src/testing/fake-hub.js';
import { setup } from './helpers.js';

const TOKEN = 'hf_SuperSecretTokenValue0123456789';
let hub: FakeHub;
let cacheDir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ hub, cacheDir, done } = await setup()));
afterEach(() => done());

/** Everything an error could leak through: message, stack, details, JSON, cause chain. */
function everything(e: unknown): string {
  const parts: string[] = [];
  for (let x: unknown = e; x; x = (x as Error).cause) {
    parts.push(String(x), (x as Error).stack ?? '', JSON.stringify(x), JSON.stringify((x as SelfjError).details ?? {}));
  }
  return parts.join('\n');
}

describe('typed errors', () => {
  it('unknown repo -> NOT_FOUND with solutions (anonymous 401 RepoNotFound, and 404 with a token)', async () => {
    for (const token of [null, TOKEN]) {
      const err = await downloadToCache({ repo: 'nobody/nothing', path: 'a', hubUrl: hub.url, cacheDir, token }).catch((e) => e);
      expect(isSelfjError(err, 'NOT_FOUND')).toBe(true);
      expect(err.solutions.length).toBeGreaterThan(0);
      expect(everything(err)).not.toContain(TOKEN);
    }
  });

  it('gated repo: no token -> AUTH naming HF_TOKEN; wrong token -> AUTH (403); right token works', async () => {
    hub.commit('model', 'acme/gated', { 'a.txt': 'A' }, 'main', { token: 'hf_right' });
    const anon = await downloadToCache({ repo: 'acme/gated', path: 'a.txt', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(anon, 'AUTH')).toBe(true);
    expect(anon.message).toMatch(/HF_TOKEN/);
    const wrong = await downloadToCache({ repo: 'acme/gated', path: 'a.txt', hubUrl: hub.url, cacheDir, token: TOKEN }).catch((e) => e);
    expect(isSelfjError(wrong, 'AUTH')).toBe(true);
    expect(wrong.details.status).toBe(403);
    expect(everything(wrong)).not.toContain(TOKEN);
    const ok = await downloadToCache({ repo: 'acme/gated', path: 'a.txt', hubUrl: hub.url, cacheDir, token: 'hf_right' });
    expect(ok.size).toBe(1);
  });

  it('HF_TOKEN from the environment is used and never shown', async () => {
    hub.commit('model', 'acme/env', { 'a.txt': 'A' }, 'main', { token: TOKEN });
    const saved = process.env.HF_TOKEN;
    process.env.HF_TOKEN = TOKEN;
    try {
      const ok = await downloadToCache({ repo: 'acme/env', path: 'a.txt', hubUrl: hub.url, cacheDir });
      expect(ok.size).toBe(1);
      const miss = await downloadToCache({ repo: 'acme/env', path: 'zzz.txt', hubUrl: hub.url, cacheDir }).catch((e) => e);
      expect(isSelfjError(miss, 'NOT_FOUND')).toBe(true);
      expect(everything(miss)).not.toContain(TOKEN);
    } finally {
      if (saved === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved;
    }
  });

  it('missing file and missing revision -> NOT_FOUND naming them', async () => {
    hub.commit('dataset', 'acme/d', { 'a.jsonl': '{}\n' });
    const f = await downloadToCache({ repo: 'acme/d', repoType: 'dataset', path: 'b.jsonl', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(f, 'NOT_FOUND')).toBe(true);
    expect(f.message).toContain('b.jsonl');
    const r = await resolveRevision({ repo: 'acme/d', repoType: 'dataset', revision: 'v9', hubUrl: hub.url, cacheDir, token: null }).catch((e) => e);
    expect(isSelfjError(r, 'NOT_FOUND')).toBe(true);
    expect(r.message).toContain('v9');
    const l = await listRepoFiles({ repo: 'acme/none', repoType: 'dataset', hubUrl: hub.url, cacheDir, token: TOKEN }).catch((e) => e);
    expect(isSelfjError(l, 'NOT_FOUND')).toBe(true);
  });

  it('a server that echoes the Authorization header into its error body does not leak the token', async () => {
    const srv = createServer((q, s) => {
      const echo = `internal error; you sent ${q.headers.authorization}`;
      s.writeHead(500, { 'content-type': 'text/plain', 'x-error-message': echo }).end(echo);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const err = await downloadToCache({ repo: 'acme/x', path: 'a', hubUrl: url, cacheDir, token: TOKEN }).catch((e) => e);
      expect(isSelfjError(err, 'HTTP_ERROR')).toBe(true);
      expect(err.message).toContain('***');
      expect(everything(err)).not.toContain(TOKEN);
    } finally {
      srv.closeAllConnections();
      srv.close();
    }
  });

  it('an unreachable Hub -> NETWORK with an offline hint', async () => {
    const err = await downloadToCache({ repo: 'acme/x', path: 'a', hubUrl: 'http://127.0.0.1:9', cacheDir, token: TOKEN }).catch((e) => e);
    expect(isSelfjError(err, 'NETWORK')).toBe(true);
    expect(err.message).toMatch(/HF_HUB_OFFLINE/);
    expect(everything(err)).not.toContain(TOKEN);
  });
});
