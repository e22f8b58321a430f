import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilesDataset } from '../src/index.js';
import { collect, FIXTURES, tempDir } from './helpers.js';

let dir: string;
let done: () => Promise<void>;
beforeEach(async () => ({ dir, done } = await tempDir()));
afterEach(() => done());

const alpaca = readFileSync(join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { instruction: string; input: string; output: string });

describe('formats', () => {
  it('gzipped JSONL gives the same records (and ids follow the name given, not the bytes)', async () => {
    const src = join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl');
    const gz = join(dir, 'alpaca.jsonl.gz');
    await writeFile(gz, gzipSync(readFileSync(src)));
    const a = await collect(new FilesDataset({ files: src, source: 's' }).records());
    const b = await collect(new FilesDataset({ files: [{ path: gz, name: src }], source: 's' }).records());
    expect(b).toEqual(a);
  });

  it('CSV per RFC 4180: quoted delimiters, doubled quotes, multi-line fields, CRLF, BOM', async () => {
    const csv =
      '\ufeffquestion,answer,note\r\n' +
      '"What is 2, plus 2?",4,x\r\n' +
      '"Say ""hi""","He said ""hi"".\r\nThen left.",\r\n' +
      'plain,"multi\nline\nanswer",z\n' +
      'last,no newline at end,q';
    const file = join(dir, 'qa.csv');
    await writeFile(file, csv);
    const recs = await collect(new FilesDataset({ files: file }).records());
    expect(recs.map((r) => [r.instruction, r.reference])).toEqual([
      ['What is 2, plus 2?', '4'],
      ['Say "hi"', 'He said "hi".\r\nThen left.'],
      ['plain', 'multi\nline\nanswer'],
      ['last', 'no newline at end'],
    ]);
  });

  it('TSV (.tsv.gz) with an explicit template mapping', async () => {
    const file = join(dir, 'd.tsv.gz');
    await writeFile(file, gzipSync('q\tctx\ta\nWho?\tBob met Al.\tAl\nWhy?\t\tBecause\n'));
    const recs = await collect(new FilesDataset({ files: file, mapping: { instruction: '{q}\nContext: {ctx?}', reference: 'a' } }).records());
    expect(recs.map((r) => r.instruction)).toEqual(['Who?\nContext: Bob met Al.', 'Why?\nContext: ']);
  });

  it('a JSON array is streamed element by element, plain and gzipped, with tricky strings', async () => {
    const rows = [
      { instruction: 'Brackets ] } [ { and "quotes" and \\ backslash', input: '', output: 'ok ]' },
      { instruction: 'Unicode é 漢字 😀', input: 'x', output: 'y' },
      ...alpaca.slice(0, 200),
    ];
    const text = JSON.stringify(rows, null, 2);
    await writeFile(join(dir, 'a.json'), text);
    await writeFile(join(dir, 'a.json.gz'), gzipSync(text));
    for (const f of ['a.json', 'a.json.gz']) {
      const recs = await collect(new FilesDataset({ files: join(dir, f) }).records());
      expect(recs.length).toBe(202);
      expect(recs[0].instruction).toBe(rows[0].instruction);
      expect(recs[0].reference).toBe('ok ]');
      expect(recs[1].instruction).toBe('Unicode é 漢字 😀\n\nx');
      expect(recs[201].reference).toBe(alpaca[199].output);
    }
  });

  it('a JSON object holding the record array, and a .json file that is really JSON Lines', async () => {
    await writeFile(join(dir, 'obj.json'), JSON.stringify({ version: 1, data: [{ question: 'q1', answer: 'a1' }] }));
    expect((await collect(new FilesDataset({ files: join(dir, 'obj.json') }).records()))[0].reference).toBe('a1');
    await writeFile(join(dir, 'lines.json'), '{"question":"q1","answer":"a1"}\n{"question":"q2","answer":"a2"}\n');
    expect((await collect(new FilesDataset({ files: join(dir, 'lines.json') }).records())).map((r) => r.instruction)).toEqual(['q1', 'q2']);
  });

  it('an element larger than maxRecordBytes is a clear error, not an out-of-memory', async () => {
    await writeFile(join(dir, 'big.json'), JSON.stringify([{ question: 'q', answer: 'x'.repeat(5000) }]));
    await expect(collect(new FilesDataset({ files: join(dir, 'big.json'), maxRecordBytes: 1000 }).records())).rejects.toMatchObject({
      code: 'BAD_RECORD',
      message: expect.stringContaining('larger than 1000'),
    });
    await writeFile(join(dir, 'bigobj.json'), JSON.stringify({ data: [{ question: 'q', answer: 'x'.repeat(5000) }] }));
    await expect(collect(new FilesDataset({ files: join(dir, 'bigobj.json'), maxRecordBytes: 1000 }).records())).rejects.toMatchObject({
      code: 'BAD_RECORD',
      message: expect.stringContaining('only a top-level array'),
    });
  });

  it('Parquet with several row groups (snappy), read group by group, plain and gzipped', async () => {
    const n = alpaca.length;
    const file = join(dir, 'train.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'instruction', data: alpaca.slice(0, n).map((r) => r.instruction), type: 'STRING' },
        { name: 'input', data: alpaca.slice(0, n).map((r) => (r.input ? r.input : null)), type: 'STRING' },
        { name: 'output', data: alpaca.slice(0, n).map((r) => r.output), type: 'STRING' },
        { name: 'idx', data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i)), type: 'INT64' },
      ],
      rowGroupSize: 128,
    });
    const recs = await collect(new FilesDataset({ files: file }).records());
    expect(recs.length).toBe(995);
    const withInput = alpaca.findIndex((r) => r.input);
    expect(recs[withInput].instruction).toBe(`${alpaca[withInput].instruction}\n\n${alpaca[withInput].input}`);
    expect(recs[994].reference).toBe(alpaca[994].output);
    // ids from the Parquet file equal those from the JSONL file when both are named alike
    const jsonl = join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl');
    const fromJsonl = await collect(new FilesDataset({ files: [{ path: jsonl, name: 'train' }], source: 's' }).records());
    const fromParquet = await collect(new FilesDataset({ files: [{ path: file, name: 'train' }], source: 's' }).records());
    expect(fromParquet.map((r) => r.id)).toEqual(fromJsonl.map((r) => r.id));
    await writeFile(join(dir, 'train.parquet.gz'), gzipSync(readFileSync(file)));
    const gz = await collect(new FilesDataset({ files: join(dir, 'train.parquet.gz'), limit: 10 }).records());
    expect(gz.map((r) => r.reference)).toEqual(recs.slice(0, 10).map((r) => r.reference));
  });

  it('globs select files in order; limit stops early', async () => {
    await writeFile(join(dir, 'p1.jsonl'), '{"question":"a","answer":"1"}\n');
    await writeFile(join(dir, 'p2.jsonl'), '{"question":"b","answer":"2"}\n{"question":"c","answer":"3"}\n');
    await writeFile(join(dir, 'skip.txt'), 'nope');
    const recs = await collect(new FilesDataset({ files: join(dir, 'p*.jsonl') }).records());
    expect(recs.map((r) => r.instruction)).toEqual(['a', 'b', 'c']);
    expect((await collect(new FilesDataset({ files: join(dir, '*.jsonl'), limit: 2 }).records())).length).toBe(2);
  });
});

describe('NaN and Infinity as written by pandas / Python json', () => {
  it('read as missing values (null), not as the text "NaN", in JSON and JSONL; other bad JSON stays a bad row', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { FilesDataset } = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'selfj-nan-'));
    const json = join(dir, 'pandalm-like.json');
    writeFileSync(json, '[{"instruction": "Add", "input": NaN, "output": "4"}, {"instruction": "Sub", "input": "5 - 1", "output": "4", "score": Infinity}]');
    const jsonl = join(dir, 'rows.jsonl');
    writeFileSync(jsonl, '{"instruction": "Add", "input": NaN, "output": "4"}\n{"instruction": "x", "output": oops}\n');
    const read = async (files: string) => {
      const rejects: unknown[] = [];
      const out = [];
      for await (const r of new FilesDataset({ files, preset: 'alpaca', onBadRecord: 'skip', rejects: (x) => rejects.push(x) }).records()) out.push(r);
      return { out, rejects };
    };
    const a = await read(json);
    expect(a.out.map((r) => r.instruction)).toEqual(['Add', 'Sub\n\n5 - 1']);
    expect(a.rejects).toHaveLength(0);
    const b = await read(jsonl);
    expect(b.out.map((r) => r.instruction)).toEqual(['Add']);
    expect(b.rejects).toHaveLength(1);
  });
});
