import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadRecord, readJsonl, readManifest, recoverJsonl, runStage, type JsonlLine } from '../src/infra/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-engine-'));
const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function inputFile(dir: string, n: number, extra = ''): string {
  const f = join(dir, 'in.jsonl');
  writeFileSync(f, Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${i}`, x: i })).join('\n') + '\n' + extra);
  return f;
}

function stage(dir: string, input: string, opts: { failAt?: number; onBadRecord?: 'fail' | 'skip'; hash?: string; calls?: number[]; force?: boolean } = {}) {
  return runStage<{ x: number }, { x: number; y: number }>({
    stage: 'square',
    dir,
    manifest: { configHash: opts.hash ?? 'h1', config: {} },
    input: readJsonl(input),
    parse(l: JsonlLine) {
      const v = l.value!;
      if (typeof v.x !== 'number') throw new BadRecord('x must be a number');
      return { key: String(v.id), value: { x: v.x } };
    },
    async process(batch) {
      return batch.map((b) => {
        opts.calls?.push(b.x);
        if (b.x === opts.failAt) throw new Error('crash');
        if (b.x < 0) return new BadRecord('negative x');
        return { x: b.x, y: b.x * b.x };
      });
    },
    batchSize: 3,
    concurrency: 2,
    onBadRecord: opts.onBadRecord,
    force: opts.force,
  });
}

describe('recoverJsonl', () => {
  it('cuts a torn last line and returns the keys before it', async () => {
    const d = tmp();
    const f = join(d, 'r.jsonl');
    writeFileSync(f, '{"key":"a"}\n{"key":"b"}\n{"key":"c","val');
    const r = await recoverJsonl(f);
    expect([...r.keys]).toEqual(['a', 'b']);
    expect(r.truncatedBytes).toBe('{"key":"c","val'.length);
    expect(readFileSync(f, 'utf8')).toBe('{"key":"a"}\n{"key":"b"}\n');
  });
  it('also cuts a complete but corrupt line and everything after it', async () => {
    const d = tmp();
    const f = join(d, 'r.jsonl');
    writeFileSync(f, '{"key":"a"}\n{"key":\n{"key":"c"}\n');
    const r = await recoverJsonl(f);
    expect([...r.keys]).toEqual(['a']);
    expect(readFileSync(f, 'utf8')).toBe('{"key":"a"}\n');
  });
});

describe('runStage', () => {
  it('writes every record once, in input order, and marks the manifest complete', async () => {
    const d = tmp();
    const r = await stage(join(d, 'out'), inputFile(d, 10));
    expect(r.written).toBe(10);
    const out = lines(r.recordsFile);
    expect(out.map((o) => o.key)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i}`));
    expect(out[3]).toEqual({ key: 'r3', x: 3, y: 9 });
    expect(readManifest(join(d, 'out'))).toMatchObject({ complete: true, counts: { records: 10, rejected: 0 }, configHash: 'h1' });
  });

  it('resumes after a crash: no record lost, none duplicated, done ones not recomputed', async () => {
    const d = tmp();
    const input = inputFile(d, 20);
    const out = join(d, 'out');
    await expect(stage(out, input, { failAt: 13 })).rejects.toThrow('crash');
    expect(readManifest(out)?.complete).toBe(false);
    const partial = lines(join(out, 'records.jsonl'));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(20);
    // simulate a kill -9 in the middle of a write as well
    appendFileSync(join(out, 'records.jsonl'), '{"key":"r99","x":');
    const calls: number[] = [];
    const r = await stage(out, input, { calls });
    expect(r.resumed).toBe(partial.length);
    expect(calls).not.toContain(0);
    const all = lines(r.recordsFile).map((o) => o.key);
    expect(all).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
  });

  it('skips a stage that is complete for the same config hash; refuses one made by another unless forced', async () => {
    const d = tmp();
    const input = inputFile(d, 5);
    const out = join(d, 'out');
    await stage(out, input);
    const calls: number[] = [];
    expect((await stage(out, input, { calls })).status).toBe('skipped');
    expect(calls).toEqual([]);
    const before = readFileSync(join(out, 'records.jsonl'));
    await expect(stage(out, input, { hash: 'h2', calls })).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH', message: expect.stringContaining('--force') });
    expect(calls).toEqual([]);
    expect(readFileSync(join(out, 'records.jsonl')).equals(before)).toBe(true);
    expect(readManifest(out)).toMatchObject({ complete: true, configHash: 'h1' });
    const r = await stage(out, input, { hash: 'h2', calls, force: true });
    expect(r.status).toBe('done');
    expect(calls).toHaveLength(5);
    expect(lines(r.recordsFile)).toHaveLength(5);
  });

  it('fails on a bad record naming file and line; with skip writes rejects with reasons', async () => {
    const d = tmp();
    const input = inputFile(d, 3, '{"id":"bad","x":"no"}\nnot json\n{"id":"neg","x":-1}\n{"id":"r0","x":0}\n');
    await expect(stage(join(d, 'a'), input)).rejects.toThrow(`${input}:4: x must be a number`);
    const r = await stage(join(d, 'b'), input, { onBadRecord: 'skip' });
    expect(r.written).toBe(3);
    const rej = lines(join(d, 'b', 'rejects.jsonl'));
    expect(rej.map((x) => [x.line, x.reason])).toEqual([
      [4, 'x must be a number'],
      [5, expect.stringContaining('invalid JSON')],
      [6, 'negative x'],
      [7, 'duplicate key "r0"'],
    ]);
    // resuming a complete run with rejects adds nothing
    const again = await stage(join(d, 'b'), input, { onBadRecord: 'skip', hash: 'h1' });
    expect(again.status).toBe('skipped');
  });
});

describe('readJsonl', () => {
  it('handles CRLF, blank lines, a missing final newline and multi-byte text, with exact line numbers', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    const big = 'é'.repeat(700_000); // spans the 1 MiB read chunks, with 2-byte characters
    writeFileSync(f, `{"a":1}\r\n\n{"b":"${big}"}\n[1]\n{"c":"日本"}`);
    const got: { line: number; keys?: string[]; error?: string }[] = [];
    for await (const l of readJsonl(f)) got.push({ line: l.line, keys: l.value && Object.keys(l.value), error: l.error });
    expect(got.map((g) => g.line)).toEqual([1, 3, 4, 5]);
    expect(got[0].keys).toEqual(['a']);
    expect(got[2].error).toBe('expected a JSON object');
    const all: Record<string, unknown>[] = [];
    for await (const l of readJsonl(f)) if (l.value) all.push(l.value);
    expect((all[1].b as string).length).toBe(700_000);
    expect(all[2].c).toBe('日本');
  });

  it('reads .gz files the same way (same values, same line numbers)', async () => {
    const d = tmp();
    const text = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? '' : JSON.stringify({ i, t: 'x'.repeat(i % 900) }))).join('\n');
    writeFileSync(join(d, 'a.jsonl'), text);
    writeFileSync(join(d, 'a.jsonl.gz'), gzipSync(text));
    const read = async (f: string) => {
      const out: [number, unknown][] = [];
      for await (const l of readJsonl(f)) out.push([l.line, l.value?.i]);
      return out;
    };
    const plain = await read(join(d, 'a.jsonl'));
    expect(plain.length).toBe(2994);
    expect(await read(join(d, 'a.jsonl.gz'))).toEqual(plain);
  });
});
