import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadRecord, countLines, firstInvalidUtf8, readJsonl, readManifest, runStage, type JsonlLine } from '../src/infra/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-bad-'));

async function all(file: string, o: Parameters<typeof readJsonl>[1] = {}): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const l of readJsonl(file, o)) out.push(l);
  return out;
}

function square(dir: string, input: string, o: { hash?: string; force?: boolean; onConfigChange?: 'refuse' | 'redo'; inputFile?: string } = {}) {
  return runStage<number, { y: number }>({
    stage: 'square',
    dir,
    manifest: { configHash: o.hash ?? 'h1', config: { power: 2 }, input: { file: o.inputFile ?? input, configHash: o.hash ?? 'h1' } },
    input: readJsonl(input),
    parse(l) {
      const v = l.value!;
      if (typeof v.x !== 'number') throw new BadRecord('x must be a number');
      return { key: String(v.id), value: v.x };
    },
    process: async (b) => b.map((x) => ({ y: x * x })),
    onBadRecord: 'skip',
    force: o.force,
    onConfigChange: o.onConfigChange,
  });
}

describe('readJsonl: a bad line is one error, never a thrown stop', () => {
  it('invalid UTF-8 is a bad line naming the byte (not silently replaced); the lines around it read normally', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    writeFileSync(f, Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n{"a":"日本"}\n')]));
    const got = await all(f);
    expect(got.map((l) => l.line)).toEqual([1, 2, 3]);
    expect(got[1].value).toBeUndefined();
    expect(got[1].error).toMatch(/^invalid UTF-8 \(byte 0xe9 at byte 10 of the line\).*latin1/);
    expect(got[2].value).toEqual({ a: '日本' });
  });

  it("encoding 'latin1' reads a Latin-1 file as it was meant", async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    writeFileSync(f, Buffer.concat([Buffer.from('{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    expect((await all(f, { encoding: 'latin1' }))[0].value).toEqual({ a: 'café' });
  });

  it('finds the first invalid sequence: overlong, surrogate, truncated, stray continuation', () => {
    expect(firstInvalidUtf8(Buffer.from('abc é 日本 😀'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1); // overlong "/"
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2); // UTF-16 surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe6, 0x97]))).toBe(1); // cut short
    expect(firstInvalidUtf8(Buffer.from([0x80]))).toBe(0);
  });

  it('strips a UTF-8 byte-order mark on the first line', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    writeFileSync(f, '\uFEFF{"a":1}\n{"a":2}\n');
    expect((await all(f)).map((l) => l.value)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('a line over maxLineBytes is one bad line and is skipped without holding it; the next lines still read', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    writeFileSync(f, `{"a":1}\n{"big":"${'x'.repeat(3_000_000)}"}\n{"a":3}\n{"tail":"${'y'.repeat(3_000_000)}`);
    const got = await all(f, { maxLineBytes: 1_000_000 });
    expect(got.map((l) => [l.line, l.value ?? l.error])).toEqual([
      [1, { a: 1 }],
      [2, 'line longer than 1000000 bytes (skipped)'],
      [3, { a: 3 }],
      [4, 'line longer than 1000000 bytes (skipped)'],
    ]);
  });

  it('a line spanning several read chunks is read whole, with the lines around it (also gzipped)', async () => {
    const d = tmp();
    const long = 'é'.repeat(1_800_000); // 3.6 MB: four 1 MiB chunks
    const text = `{"a":1}\n{"long":"${long}"}\n{"a":3}\n{"tail":"${long}"}`;
    for (const f of [join(d, 'x.jsonl'), join(d, 'x.jsonl.gz')]) {
      writeFileSync(f, f.endsWith('.gz') ? gzipSync(text) : text);
      const got = await all(f);
      expect(got.map((l) => l.line)).toEqual([1, 2, 3, 4]);
      expect(got.map((l) => l.error)).toEqual([undefined, undefined, undefined, undefined]);
      expect(got[1].value?.long).toBe(long);
      expect(got[2].value).toEqual({ a: 3 });
      expect(got[3].value?.tail).toBe(long);
    }
  });

  it('a directory as input is BAD_INPUT naming the path (not a bare EISDIR)', async () => {
    const d = tmp();
    mkdirSync(join(d, 'stage'));
    await expect(all(join(d, 'stage'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(`${join(d, 'stage')} is a directory`) });
  });

  it('a damaged .gz names the file and the last line read', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl.gz');
    const gz = gzipSync(Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i })).join('\n'));
    writeFileSync(f, gz.subarray(0, gz.length - 40));
    const seen: number[] = [];
    let err: unknown;
    try {
      for await (const l of readJsonl(f)) seen.push(l.line);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(`Cannot read ${f} (after line ${seen.length})`) });
  });

  it('a stage with skip goes through every kind of bad line, one reject each with file:line (and the record key when known)', async () => {
    const d = tmp();
    const inp = join(d, 'in.jsonl');
    writeFileSync(inp, Buffer.concat([
      Buffer.from('{"id":"a","x":1}\n{"id":"b","x":"two"}\nnot json\n{"id":"c","x":"\xff'),
      Buffer.from([0xff]),
      Buffer.from('"}\n{"id":"a","x":5}\n{"id":"d","x":4}\n'),
    ]));
    const r = await square(join(d, 'out'), inp);
    expect(r.written).toBe(2);
    const rej = readFileSync(join(d, 'out', 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rej.map((x) => [x.file, x.line, x.recordKey, x.reason])).toEqual([
      [inp, 2, 'b', 'x must be a number'],
      [inp, 3, undefined, expect.stringMatching(/^invalid JSON/)],
      [inp, 4, undefined, expect.stringMatching(/^invalid UTF-8 \(byte 0xff/)],
      [inp, 5, 'a', 'duplicate key "a"'],
    ]);
  });
});

describe('countLines: the progress total of a stage is the number of lines readJsonl yields', () => {
  it('blank and whitespace-only lines are not counted; bad lines are, as readJsonl yields them', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    writeFileSync(f, '{"a":1}\n\n{"a":2}\r\n   \n\t\r\nnot json\n\n{"a":3}\n\n\n');
    expect(await countLines(f)).toBe(4);
    expect(await countLines(f)).toBe((await all(f)).length);
  });

  it('a last line without a newline counts; a trailing blank one does not', async () => {
    const d = tmp();
    writeFileSync(join(d, 'a.jsonl'), '{"a":1}\n{"a":2}');
    writeFileSync(join(d, 'b.jsonl'), '{"a":1}\n  ');
    writeFileSync(join(d, 'c.jsonl'), '');
    expect([await countLines(join(d, 'a.jsonl')), await countLines(join(d, 'b.jsonl')), await countLines(join(d, 'c.jsonl'))]).toEqual([2, 1, 0]);
  });

  it('a .gz input is counted as readJsonl reads it: the lines of its decompressed text', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl.gz');
    writeFileSync(f, gzipSync(Array.from({ length: 500 }, (_, i) => `{"a":${i},"pad":"${'x'.repeat(i % 37)}"}`).join('\n') + '\n\n'));
    expect(await countLines(f)).toBe(500);
    expect(await countLines(f)).toBe((await all(f)).length);
  });

  it('lines and blank runs that span the 1 MiB read chunks are counted once', async () => {
    const d = tmp();
    const f = join(d, 'x.jsonl');
    // a 1 MiB run of spaces then content, and newlines falling on both sides of the chunk edges
    const rows = [`{"a":"${'x'.repeat((1 << 20) - 10)}"}`, ' '.repeat((1 << 20) + 3), `${' '.repeat(1 << 20)}{"a":2}`, '', '{"a":3}'];
    writeFileSync(f, `${rows.join('\n')}\n`);
    expect(await countLines(f)).toBe(3);
    expect(await countLines(f)).toBe((await all(f)).length);
  });
});

describe('a stage directory holding other work is never replaced silently', () => {
  it('a complete artifact from another input: refused, saying what differs and to pass --force; nothing deleted', async () => {
    const d = tmp();
    const a = join(d, 'a.jsonl');
    const b = join(d, 'b.jsonl');
    writeFileSync(a, '{"id":"1","x":1}\n');
    writeFileSync(b, '{"id":"1","x":2}\n');
    const out = join(d, 'out');
    await square(out, a, { hash: 'ha' });
    const before = readFileSync(join(out, 'records.jsonl'));
    const err = await square(out, b, { hash: 'hb' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ARTIFACT_MISMATCH' });
    expect(err.message).toContain('holds a complete "square" artifact (1 records, 0 rejected)');
    expect(err.message).toContain(`input: was ${a} (identity ha), now ${b} (identity hb)`);
    expect(err.message).toContain('--force');
    expect(readFileSync(join(out, 'records.jsonl')).equals(before)).toBe(true);
    expect(readManifest(out)).toMatchObject({ complete: true, configHash: 'ha' });
    // --force replaces it; onConfigChange 'redo' (what `selfj run` passes for its own tree) does too
    expect((await square(out, b, { hash: 'hb', force: true })).written).toBe(1);
    expect((await square(out, a, { hash: 'ha', onConfigChange: 'redo' })).written).toBe(1);
  });

  it('records.jsonl without a manifest (not a selfj artifact) is refused, not deleted', async () => {
    const d = tmp();
    const inp = join(d, 'in.jsonl');
    writeFileSync(inp, '{"id":"1","x":1}\n');
    mkdirSync(join(d, 'out'));
    writeFileSync(join(d, 'out', 'records.jsonl'), 'my own data\n');
    await expect(square(join(d, 'out'), inp)).rejects.toMatchObject({ code: 'ARTIFACT_MISMATCH', message: expect.stringContaining('has no stage manifest') });
    expect(readFileSync(join(d, 'out', 'records.jsonl'), 'utf8')).toBe('my own data\n');
  });

  it('an --out path that is a file is BAD_INPUT naming it', async () => {
    const d = tmp();
    const inp = join(d, 'in.jsonl');
    writeFileSync(inp, '{"id":"1","x":1}\n');
    await expect(square(inp, inp)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining(inp) });
  });
});
