import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandLocal } from '../src/glob.js';

describe('expandLocal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'selfj-glob-'));
    await mkdir(join(dir, 'a', 'deep'), { recursive: true });
    await mkdir(join(dir, 'dir.jsonl'));  // a directory whose name matches: never a result
    for (const f of ['x.jsonl', 'y.csv', 'a/z.jsonl', 'a/deep/w.jsonl']) await writeFile(join(dir, f), '{}\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('matches files only, one level for *, any depth for **, sorted', async () => {
    expect(await expandLocal(join(dir, '*.jsonl'))).toEqual([join(dir, 'x.jsonl')]);
    expect(await expandLocal(join(dir, '**/*.jsonl'))).toEqual(
      [join(dir, 'a/deep/w.jsonl'), join(dir, 'a/z.jsonl'), join(dir, 'x.jsonl')]);
    expect(await expandLocal(join(dir, 'a/*/*.jsonl'))).toEqual([join(dir, 'a/deep/w.jsonl')]);
  });

  it('a plain path is returned as is; a missing base matches nothing', async () => {
    expect(await expandLocal(join(dir, 'y.csv'))).toEqual([join(dir, 'y.csv')]);
    expect(await expandLocal(join(dir, 'missing', '*.jsonl'))).toEqual([]);
  });
});
