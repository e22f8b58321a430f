import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import { FilesDataset, type Reject } from '../src/index.js';
import { collect, collectUntilError, FIXTURES, tempDir } from './helpers.js';

let dir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ dir, done } = await tempDir()));
afterEach(() => done());

const good = (i: number) => JSON.stringify({ question: `q${i}`, answer: `a${i}` });

describe('bad input', () => {
  it('a malformed line: fail names source, file, row and line, after yielding the rows before it', async () => {
    const file = join(dir, 'd.jsonl');
    await writeFile(file, [good(0), good(1), '{"question": "q2", "answer": ', good(3)].join('\n') + '\n');
    const { records, error } = await collectUntilError(new FilesDataset({ files: file, source: 'my-src' }).records());
    expect(records.map((r) => r.instruction)).toEqual(['q0', 'q1']);
    expect(isSelfjError(error, 'BAD_RECORD')).toBe(true);
    const e = error as { message: string; details: Record<string, unknown>; solutions: string[] };
    expect(e.message).toContain('my-src');
    expect(e.message).toContain('d.jsonl');
    expect(e.details).toMatchObject({ source: 'my-src', file, row: 2, line: 3, kind: 'malformed' });
    expect(e.solutions.join(' ')).toMatch(/skip/);
  });

  it('skip mode: bad records go to the rejects file with reasons; good ones keep their ids', async () => {
    const file = join(dir, 'd.jsonl');
    await writeFile(file, [good(0), 'not json', JSON.stringify({ question: 'q2' }), JSON.stringify({ question: 'q3', answer: { text: 'x' } }), good(4), '{"question":"q5","ans'].join('\n'));
    const rejects = join(dir, 'out', 'rejects.jsonl');
    const ds = new FilesDataset({ files: file, source: 's', onBadRecord: 'skip', rejects, preset: 'qa' });
    const recs = await collect(ds.records());
    expect(recs.map((r) => r.instruction)).toEqual(['q0', 'q4']);
    const clean = await collect(new FilesDataset({ files: join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl'), limit: 1 }).records());
    expect(clean.length).toBe(1);
    const rows = (await readFile(rejects, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Reject);
    expect(rows.map((r) => [r.row, r.kind])).toEqual([
      [1, 'malformed'],
      [2, 'missing-field'],
      [3, 'not-text'],
      [5, 'truncated'],
    ]);
    expect(rows[1].reason).toContain('"answer" is missing');
    expect(rows[0].raw).toBe('not json');
    expect(rows.every((r) => r.source === 's' && r.file === file)).toBe(true);
    expect(ds.stats).toMatchObject({ rows: 6, records: 2, rejected: 4 });
    // ids do not shift when bad rows are skipped: row 4 has the id of row 4
    const [, second] = recs;
    const fixed = join(dir, 'fixed.jsonl');
    await writeFile(fixed, [0, 1, 2, 3, 4].map(good).join('\n'));
    const all = await collect(new FilesDataset({ files: [{ path: fixed, name: file }], source: 's' }).records());
    expect(second.id).toBe(all[4].id);
  });

  it('a gzip file cut short: the records before the cut, then a "file ends early" error (or a reject)', async () => {
    const src = readFileSync(join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl'));
    const gz = gzipSync(src);
    const file = join(dir, 'cut.jsonl.gz');
    await writeFile(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const { records, error } = await collectUntilError(new FilesDataset({ files: file }).records());
    expect(records.length).toBeGreaterThan(100);
    expect(records.length).toBeLessThan(995);
    expect(isSelfjError(error, 'BAD_RECORD')).toBe(true);
    expect((error as Error).message).toMatch(/ends early|truncated|incomplete/);
    const rejected: Reject[] = [];
    const skipped = await collect(new FilesDataset({ files: file, onBadRecord: 'skip', rejects: (r) => void rejected.push(r) }).records());
    expect(skipped.length).toBeGreaterThanOrEqual(records.length);
    expect(rejected.at(-1)!.kind).toBe('truncated');
  });

  it('a JSON array that is not closed, and a CSV quote never closed, end early', async () => {
    await writeFile(join(dir, 'a.json'), '[{"question":"q","answer":"a"},{"question":"q2","answ');
    const j = await collectUntilError(new FilesDataset({ files: join(dir, 'a.json') }).records());
    expect(j.records.length).toBe(1);
    expect((j.error as { details: { kind: string; row: number } }).details).toMatchObject({ kind: 'truncated', row: 1 });
    await writeFile(join(dir, 'a.csv'), 'question,answer\nq,a\nq2,"never closed\n');
    const c = await collectUntilError(new FilesDataset({ files: join(dir, 'a.csv') }).records());
    expect(c.records.length).toBe(1);
    expect((c.error as Error).message).toMatch(/ends early/);
  });

  it('a JSONL line that is not UTF-8 is one bad row naming line and byte (never U+FFFD); a literal U+FFFD is kept', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`${JSON.stringify({ question: 'q0 \ufffd kept', answer: 'a0' })}\n`),
      Buffer.from('{"question": "caf'), // 17 bytes, so the bad byte is byte 18 of the line
      Buffer.from([0xc3, 0x28]),
      Buffer.from('", "answer": "a1"}\n'),
      Buffer.from(`${good(2)}\n`),
    ]);
    for (const name of ['d.jsonl', 'lines.json']) {
      const file = join(dir, name);
      await writeFile(file, bytes);
      const rejected: Reject[] = [];
      const recs = await collect(new FilesDataset({ files: file, onBadRecord: 'skip', rejects: (r) => void rejected.push(r) }).records());
      expect(recs.map((r) => r.instruction)).toEqual(['q0 \ufffd kept', 'q2']);
      expect(rejected).toMatchObject([{ file, row: 1, line: 2, kind: 'encoding', reason: 'invalid UTF-8 (byte 0xc3 at byte 18 of the line)' }]);
      const { records, error } = await collectUntilError(new FilesDataset({ files: file, source: 'src' }).records());
      expect(records.map((r) => r.instruction)).toEqual(['q0 \ufffd kept']);
      expect(isSelfjError(error, 'BAD_RECORD')).toBe(true);
      expect((error as Error).message.split('\n')[0]).toBe(`src: ${file}, row 1 (line 2): invalid UTF-8 (byte 0xc3 at byte 18 of the line)`);
    }
    // a last line cut inside a character is a file that ends early, as a last line cut anywhere else
    const cut = join(dir, 'cut.jsonl');
    await writeFile(cut, Buffer.concat([Buffer.from(`${good(0)}\n{"question": "caf`), Buffer.from([0xc3])]));
    const rejected: Reject[] = [];
    await collect(new FilesDataset({ files: cut, onBadRecord: 'skip', rejects: (r) => void rejected.push(r) }).records());
    expect(rejected).toMatchObject([{ row: 1, line: 2, kind: 'truncated' }]);
  });

  it('a CSV or JSON file that is not UTF-8 stops with the byte and its offset and how to convert it; a literal U+FFFD is kept', async () => {
    const ok = join(dir, 'ok.csv');
    await writeFile(ok, 'question,answer\nq \ufffd,a\n');
    expect((await collect(new FilesDataset({ files: ok }).records())).map((r) => r.instruction)).toEqual(['q \ufffd']);
    const csv = join(dir, 'latin1.csv');
    await writeFile(csv, Buffer.from('question,answer\nq1,a1\ncaf\xe9,a2\n', 'latin1')); // 0xe9 is byte 26
    const { records, error } = await collectUntilError(new FilesDataset({ files: csv, source: 'src' }).records());
    expect(records).toEqual([]);
    expect(isSelfjError(error, 'BAD_RECORD')).toBe(true);
    const e = error as { message: string; details: Record<string, unknown>; solutions: string[] };
    expect(e.message.split('\n')[0]).toBe(`src: ${csv}, row 0: the file is not valid UTF-8 (byte 0xe9 at byte 26 of the file); it must be UTF-8`);
    expect(e.details).toMatchObject({ file: csv, kind: 'encoding' });
    expect(e.solutions[0]).toContain('iconv -f latin1 -t utf-8 in.csv > out.csv');
    const json = join(dir, 'latin1.json');
    await writeFile(json, Buffer.from('[{"question": "caf\xe9", "answer": "a"}]', 'latin1'));
    await expect(collect(new FilesDataset({ files: json }).records())).rejects.toMatchObject({
      code: 'BAD_RECORD',
      message: expect.stringContaining('not valid UTF-8 (byte 0xe9 at byte 19 of the file)'),
      details: { kind: 'encoding' },
    });
  });

  it('UTF-8 split across 1 MiB read chunks decodes whole; a bad byte further on is reported at its exact offset', async () => {
    const head = 'question,answer\n';
    const row = 'é漢😀 question,ünï 😀 answer\n';
    let rows = Math.ceil((1 << 20) / Buffer.byteLength(row)) + 10;
    let pad = 0;
    let text = '';
    // pad until byte 1 MiB (the second read chunk's first byte) falls inside a multi-byte character
    for (; pad < 64; pad++) {
      text = head + 'x'.repeat(pad) + row.repeat(rows);
      if ((Buffer.from(text)[1 << 20] & 0xc0) === 0x80) break;
    }
    expect(pad).toBeLessThan(64);
    const good = Buffer.from(text);
    const file = join(dir, 'big.csv');
    await writeFile(file, Buffer.concat([good, Buffer.from([0x80]), Buffer.from(',x\n')]));
    rows += 1; // the bad row itself
    const { records, error } = await collectUntilError(new FilesDataset({ files: file }).records());
    expect(records.length).toBeGreaterThan(1000);
    expect(records.length).toBeLessThan(rows);
    expect(records.every((r, i) => r.instruction === `${i === 0 ? 'x'.repeat(pad) : ''}é漢😀 question` && r.reference === 'ünï 😀 answer')).toBe(true);
    expect((error as Error).message).toContain(`(byte 0x80 at byte ${good.length + 1} of the file)`);
  });

  it('a CSV row with the wrong number of fields is a per-row problem', async () => {
    await writeFile(join(dir, 'a.csv'), 'question,answer\nq,a\nx,y,z\nq3,a3\n');
    const rejected: Reject[] = [];
    const recs = await collect(new FilesDataset({ files: join(dir, 'a.csv'), onBadRecord: 'skip', rejects: (r) => void rejected.push(r) }).records());
    expect(recs.map((r) => r.instruction)).toEqual(['q', 'q3']);
    expect(rejected).toMatchObject([{ row: 1, line: 3, kind: 'malformed' }]);
  });

  it('a Parquet file with another schema: typed error naming the file, or one reject for the file', async () => {
    const a = join(dir, 'a.parquet');
    const b = join(dir, 'b.parquet');
    parquetWriteFile({ filename: a, columnData: [{ name: 'question', data: ['q1', 'q2'], type: 'STRING' }, { name: 'answer', data: ['a1', 'a2'], type: 'STRING' }] });
    parquetWriteFile({ filename: b, columnData: [{ name: 'text', data: ['t'], type: 'STRING' }, { name: 'label', data: Int32Array.from([1]), type: 'INT32' }] });
    const { records, error } = await collectUntilError(new FilesDataset({ files: [a, b], source: 'pq' }).records());
    expect(records.length).toBe(2);
    expect(isSelfjError(error, 'BAD_RECORD')).toBe(true);
    expect((error as { details: object }).details).toMatchObject({ source: 'pq', file: b, row: null, kind: 'schema' });
    expect((error as Error).message).toMatch(/another schema.*text, label.*question, answer/);
    const rejected: Reject[] = [];
    const recs = await collect(new FilesDataset({ files: [b, a], preset: 'qa', onBadRecord: 'skip', rejects: (r) => void rejected.push(r) }).records());
    expect(recs.length).toBe(2);
    expect(rejected).toMatchObject([{ file: b, row: null, kind: 'schema' }]);
  });

  it('a Parquet file cut short, and a file that is not Parquet', async () => {
    const a = join(dir, 'a.parquet');
    parquetWriteFile({ filename: a, columnData: [{ name: 'question', data: ['q1'], type: 'STRING' }, { name: 'answer', data: ['a1'], type: 'STRING' }] });
    const bytes = readFileSync(a);
    await writeFile(a, bytes.subarray(0, bytes.length - 10));
    await expect(collect(new FilesDataset({ files: a }).records())).rejects.toMatchObject({ code: 'BAD_RECORD', details: { kind: 'truncated' } });
    await writeFile(join(dir, 'x.parquet'), 'hello');
    await expect(collect(new FilesDataset({ files: join(dir, 'x.parquet') }).records())).rejects.toMatchObject({ code: 'BAD_RECORD', message: expect.stringContaining('not a Parquet file') });
  });

  it('missing files and unknown formats are typed errors', async () => {
    await expect(collect(new FilesDataset({ files: join(dir, 'nope.jsonl') }).records())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(collect(new FilesDataset({ files: join(dir, 'nothing-*.jsonl') }).records())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await writeFile(join(dir, 'a.xml'), '<a/>');
    await expect(collect(new FilesDataset({ files: join(dir, 'a.xml') }).records())).rejects.toMatchObject({ code: 'BAD_CONFIG' });
    expect(() => new FilesDataset({ files: 'x.jsonl', preset: 'nope' as 'qa' })).toThrow(/Unknown field-mapping preset/);
  });

  it('an AbortSignal stops the stream with ABORTED', async () => {
    const ac = new AbortController();
    const it = new FilesDataset({ files: join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl') }).records({ signal: ac.signal });
    let n = 0;
    const err = await (async () => {
      for await (const _ of it) if (++n === 10) ac.abort();
    })().catch((e) => e);
    expect(isSelfjError(err, 'ABORTED')).toBe(true);
    expect(n).toBe(10);
  });
});
