import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import type { FakeHub } from '@selfj/hub/testing';
import plugin, { HfDataset, parseHfSource, selectFiles } from '../src/index.js';
import { alpaca, collect, expected, jsonl, parquetBytes, setup } from './helpers.js';

let hub: FakeHub;
let dir: string;
let cacheDir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ hub, dir, cacheDir, done } = await setup()));
afterEach(() => done());

/** A repo laid out like push_to_hub output: two train Parquet shards, a JSONL test split, a README. */
async function publish(token?: string): Promise<string> {
  return hub.commit(
    'dataset',
    'acme/alpaca-mini',
    {
      'README.md': '---\nlicense: cc-by-nc-4.0\n---\n# alpaca mini\n',
      'data/train-00000-of-00002.parquet': await parquetBytes(dir, alpaca.slice(0, 300), 'a.parquet'),
      'data/train-00001-of-00002.parquet': await parquetBytes(dir, alpaca.slice(300, 500), 'b.parquet'),
      'data/test-00000-of-00001.jsonl': jsonl(alpaca.slice(900, 950)),
    },
    'main',
    token !== undefined ? { token } : {},
  );
}

describe('hf:// data sets', () => {
  it('pins main to a commit, downloads the train shards into the Hub cache, streams them (Parquet)', async () => {
    const commit = await publish();
    const ds = new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, token: null, category: 'common' });
    const recs = await collect(ds.records());
    expect(ds.info).toEqual({ repo: 'acme/alpaca-mini', commit, split: 'train', files: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'] });
    expect(recs.map((r) => [r.instruction, r.reference])).toEqual(expected(alpaca.slice(0, 500)));
    expect(recs[0]).toMatchObject({ source: 'hf://datasets/acme/alpaca-mini', category: 'common' });
    expect(new Set(recs.map((r) => r.id)).size).toBe(500);
    const storage = join(cacheDir, 'datasets--acme--alpaca-mini');
    expect(await readFile(join(storage, 'refs', 'main'), 'utf8')).toBe(commit);
    expect((await lstat(join(storage, 'snapshots', commit, 'data', 'train-00000-of-00002.parquet'))).isSymbolicLink()).toBe(true);
    // the endpoints the client used
    const paths = hub.requests.map((q) => `${q.method} ${q.url.split('?')[0]}`);
    expect(paths).toContain('GET /api/datasets/acme/alpaca-mini/revision/main');
    expect(paths).toContain(`GET /api/datasets/acme/alpaca-mini/tree/${commit}`);
    expect(paths).toContain(`HEAD /datasets/acme/alpaca-mini/resolve/${commit}/data/train-00000-of-00002.parquet`);
    // a rerun gives the same ids and downloads nothing again
    const cdnBefore = hub.requests.filter((q) => q.server === 'cdn').length;
    const again = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, token: null }).records());
    expect(again.map((r) => r.id)).toEqual(recs.map((r) => r.id));
    expect(hub.requests.filter((q) => q.server === 'cdn').length).toBe(cdnBefore);
  });

  it('split, file pattern and source-embedded pattern select files (JSONL)', async () => {
    await publish();
    const test = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', split: 'test', hubUrl: hub.url, cacheDir, token: null }).records());
    expect(test.map((r) => [r.instruction, r.reference])).toEqual(expected(alpaca.slice(900, 950)));
    const byPattern = new HfDataset({ source: 'hf://datasets/acme/alpaca-mini/data/*-00001*', hubUrl: hub.url, cacheDir, token: null });
    expect((await collect(byPattern.records())).length).toBe(200 + 50);
    expect(byPattern.info!.files).toEqual(['data/test-00000-of-00001.jsonl', 'data/train-00001-of-00002.parquet']);
    const none = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', split: 'validation', hubUrl: hub.url, cacheDir, token: null }).records()).catch((e) => e);
    expect(isSelfjError(none, 'NOT_FOUND')).toBe(true);
    expect(none.message).toContain('split "validation"');
    expect(none.solutions[0]).toContain('data/test-00000-of-00001.jsonl');
  });

  it('configs are folders; a revision pins the data even after main moves on', async () => {
    const v1 = hub.commit('dataset', 'acme/multi', { 'en/train.jsonl': jsonl([{ question: 'en q', answer: 'en a' }]), 'fr/train.jsonl': jsonl([{ question: 'fr q', answer: 'fr a' }]) }, 'v1');
    hub.commit('dataset', 'acme/multi', { 'en/train.jsonl': jsonl([{ question: 'new q', answer: 'new a' }]) }, 'main');
    const fr = await collect(new HfDataset({ source: 'hf://datasets/acme/multi@v1', config: 'fr', hubUrl: hub.url, cacheDir, token: null }).records());
    expect(fr.map((r) => r.instruction)).toEqual(['fr q']);
    const enV1 = new HfDataset({ source: 'hf://datasets/acme/multi', revision: v1, config: 'en', hubUrl: hub.url, cacheDir, token: null });
    expect((await collect(enV1.records())).map((r) => r.instruction)).toEqual(['en q']);
    const enMain = await collect(new HfDataset({ source: 'hf://datasets/acme/multi', config: 'en', hubUrl: hub.url, cacheDir, token: null }).records());
    expect(enMain.map((r) => r.instruction)).toEqual(['new q']);
    expect(enMain[0].id).not.toBe((await collect(enV1.records()))[0].id); // another commit, other ids
  });

  it('offline: the same records from the cache with no request; what is missing is named', async () => {
    await publish();
    const online = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, token: null }).records());
    const n = hub.requests.length;
    const saved = process.env.HF_HUB_OFFLINE;
    process.env.HF_HUB_OFFLINE = '1';
    try {
      const offline = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir }).records());
      expect(offline).toEqual(online);
      expect(hub.requests.length).toBe(n);
      const test = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', split: 'test', hubUrl: hub.url, cacheDir }).records()).catch((e) => e);
      expect(isSelfjError(test, 'OFFLINE')).toBe(true); // the test split was never fetched
      expect(test.details.missing).toEqual(['data/test-00000-of-00001.jsonl']);
      expect(test.message).toContain('data/test-00000-of-00001.jsonl');
      const other = await collect(new HfDataset({ source: 'hf://datasets/acme/never-fetched', hubUrl: hub.url, cacheDir }).records()).catch((e) => e);
      expect(isSelfjError(other, 'OFFLINE')).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.HF_HUB_OFFLINE;
      else process.env.HF_HUB_OFFLINE = saved;
    }
    expect(hub.requests.length).toBe(n);
  });

  it('offline with a partly filled cache names the missing shard instead of reading half the split', async () => {
    await publish();
    await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', pattern: 'data/train-00000-*', hubUrl: hub.url, cacheDir, token: null }).records());
    // offline, the card (README.md) is needed to choose files: without it in the cache, that is what is missing
    const noCard = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, offline: true }).records()).catch((e) => e);
    expect(isSelfjError(noCard, 'OFFLINE')).toBe(true);
    expect(noCard.details.missing).toEqual(['README.md']);
    await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', split: 'test', hubUrl: hub.url, cacheDir, token: null }).records()); // fetches the card
    const err = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, offline: true }).records()).catch((e) => e);
    expect(isSelfjError(err, 'OFFLINE')).toBe(true);
    expect(err.details.missing).toEqual(['data/train-00001-of-00002.parquet']);
    const { missingFromCache } = await import('@selfj/hub');
    expect(await missingFromCache({ repo: 'acme/alpaca-mini', repoType: 'dataset', cacheDir, paths: ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet'] })).toEqual([
      'data/train-00001-of-00002.parquet',
    ]);
  });

  it('a download cut short mid-body resumes with a Range request, and the rows are right', async () => {
    const bytes = await parquetBytes(dir, alpaca.slice(0, 400), 'big.parquet');
    hub.commit('dataset', 'acme/cut', { 'train.parquet': bytes });
    const { createHash } = await import('node:crypto');
    hub.faults.push({ match: createHash('sha256').update(bytes).digest('hex'), cutAfter: Math.floor(bytes.length / 3) });
    const progress: number[] = [];
    const recs = await collect(new HfDataset({ source: 'hf://datasets/acme/cut', hubUrl: hub.url, cacheDir, token: null, onProgress: (p) => progress.push(p.downloaded) }).records());
    expect(recs.map((r) => [r.instruction, r.reference])).toEqual(expected(alpaca.slice(0, 400)));
    const cdn = hub.requests.filter((q) => q.server === 'cdn');
    expect(cdn.length).toBe(2);
    expect(cdn[1].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it('gated data: AUTH without a token (never shown), records with HF_TOKEN', async () => {
    const TOKEN = 'hf_GatedDatasetSecret987654321';
    await publish(TOKEN);
    const err = await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, token: 'hf_wrong_but_secret_1234' }).records()).catch((e) => e);
    expect(isSelfjError(err, 'AUTH')).toBe(true);
    expect(`${err.message}${err.stack}${JSON.stringify(err.details)}`).not.toContain('hf_wrong_but_secret_1234');
    const saved = process.env.HF_TOKEN;
    process.env.HF_TOKEN = TOKEN;
    try {
      expect((await collect(new HfDataset({ source: 'hf://datasets/acme/alpaca-mini', hubUrl: hub.url, cacheDir, limit: 3 }).records())).length).toBe(3);
    } finally {
      if (saved === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved;
    }
  });

  it('unknown data set -> NOT_FOUND; a bad line names the hf source, the repo file and the row', async () => {
    const missing = await collect(new HfDataset({ source: 'hf://datasets/acme/nope', hubUrl: hub.url, cacheDir, token: null }).records()).catch((e) => e);
    expect(isSelfjError(missing, 'NOT_FOUND')).toBe(true);
    hub.commit('dataset', 'acme/broken', { 'train.jsonl': `${jsonl([{ question: 'q', answer: 'a' }])}{"question": oops}\n` });
    const bad = await collect(new HfDataset({ source: 'hf://datasets/acme/broken', hubUrl: hub.url, cacheDir, token: null }).records()).catch((e) => e);
    expect(isSelfjError(bad, 'BAD_RECORD')).toBe(true);
    expect(bad.details).toMatchObject({ source: 'hf://datasets/acme/broken', file: 'train.jsonl', row: 1, line: 2 });
    const rejects: string[] = [];
    const ok = await collect(new HfDataset({ source: 'hf://datasets/acme/broken', hubUrl: hub.url, cacheDir, token: null, onBadRecord: 'skip', rejects: (r) => void rejects.push(r.reason) }).records());
    expect(ok.length).toBe(1);
    expect(rejects[0]).toMatch(/malformed JSON/);
  });

  it('plugin factory, source parsing and file selection', async () => {
    hub.commit('dataset', 'acme/p', { 'train.jsonl': jsonl([{ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }]) });
    const ds = await plugin.datasets.hf('//datasets/acme/p', { hubUrl: hub.url, cacheDir, token: null });
    expect((await collect(ds.records()))[0]).toMatchObject({ instruction: 'hi', reference: 'hello' });
    expect(parseHfSource('hf:datasets/a/b@v2/x/*.parquet')).toEqual({ repo: 'a/b', revision: 'v2', pattern: 'x/*.parquet', name: 'hf://datasets/a/b' });
    expect(() => parseHfSource('hf://a/b')).toThrow(/not a Hugging Face data set/);
    const files = ['README.md', 'data/train-0.parquet', 'data/training.jsonl', 'data/dev.jsonl', 'default/validation/0000.parquet', 'default/train/0000.parquet', '.gitattributes', 'x/eval.csv'];
    expect(selectFiles(files, {}).files).toEqual(['data/train-0.parquet', 'data/training.jsonl', 'default/train/0000.parquet']);
    expect(selectFiles(files, { split: 'validation' }).files).toEqual(['data/dev.jsonl', 'default/validation/0000.parquet']);
    expect(selectFiles(files, { split: 'test' }).files).toEqual(['x/eval.csv']);
    expect(selectFiles(files, { config: 'default', split: 'train' }).files).toEqual(['default/train/0000.parquet']);
    expect(selectFiles(['a.jsonl', 'b.csv'], {}).files).toEqual(['a.jsonl', 'b.csv']); // no split words: everything
  });
});

describe('prefetch', () => {
  it('stops downloading ahead when the consumer stops early', async () => {
    const files: Record<string, string> = {};
    for (let k = 0; k < 5; k++) files[`train-${k}.jsonl`] = jsonl([{ question: `q${k}`, answer: 'a' }]);
    hub.commit('dataset', 'acme/many', files);
    const ds = new HfDataset({ source: 'hf://datasets/acme/many', hubUrl: hub.url, cacheDir, token: null, limit: 1 });
    expect((await collect(ds.records())).map((r) => r.instruction)).toEqual(['q0']);
    await new Promise((r) => setTimeout(r, 100));
    const got = hub.requests.filter((q) => q.method === 'GET' && q.url.includes('/resolve/')).map((q) => q.url.split('/').pop());
    expect(got).toContain('train-0.jsonl');
    expect(got.length).toBeLessThanOrEqual(2); // the file read, and at most the one fetched ahead
  });
});
