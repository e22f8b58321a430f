import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { readJsonlRecords } from '../src/io/fields.js';

const dir = mkdtempSync(join(tmpdir(), 'selfj-cli-jsonl-'));
const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, score: (i % 10) / 10, grade: i % 10 }));
const text = rows.map((r) => JSON.stringify(r)).join('\n');

describe('JSONL inputs of eval / calibrate / rank', () => {
  it('a .gz input gives the same report as the plain file', async () => {
    writeFileSync(join(dir, 'in.jsonl'), text);
    writeFileSync(join(dir, 'in.jsonl.gz'), gzipSync(text));
    const run = async (input: string, out: string) => {
      expect(await main(['eval', '--input', input, '--score-field', 'score', '--grader-field', 'grade', '--min-grade', '0', '--out', out, '--quiet'])).toBe(0);
      return JSON.parse(readFileSync(out, 'utf8')).items;
    };
    const plain = await run(join(dir, 'in.jsonl'), join(dir, 'plain.json'));
    expect(plain.n).toBe(40);
    expect(await run(join(dir, 'in.jsonl.gz'), join(dir, 'gz.json'))).toEqual(plain);
  });

  it('a bad line is a BAD_RECORD error naming file and line', async () => {
    const f = join(dir, 'bad.jsonl');
    writeFileSync(f, `${JSON.stringify(rows[0])}\n\n{"id": 1, oops}\n`);
    const read = async () => { for await (const _ of readJsonlRecords(f)) void _; };
    await expect(read()).rejects.toMatchObject({ code: 'BAD_RECORD', message: expect.stringContaining(`${f}:3: invalid JSON`) });
  });
});
