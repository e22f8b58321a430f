import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveAssets, jsonl, run } from './helpers.js';

/** One instruction far longer than the tiny model's 2048-token context, between two ordinary ones. */
function input(dir: string): string {
  const f = join(dir, 'in.jsonl');
  const rows = [
    { id: 'a', instruction: 'Say hi', reference: 'hi' },
    { id: 'b', instruction: Array.from({ length: 6000 }, () => 'word').join(' '), reference: 'x' },
    { id: 'c', instruction: 'Count to three', reference: '1 2 3' },
  ];
  writeFileSync(f, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return f;
}

describe.skipIf(!haveAssets)('one over-long instruction is one bad record (real tiny model)', () => {
  it('fails naming file:line and key by default; with skip, the others are sampled and it is one reject', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-long-'));
    const f = input(dir);
    const failed = await run(['sample', '--input', f, '--out', join(dir, 'strict'), '--max-tokens', '8']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`${f}:2`);
    expect(failed.stderr).toContain('b#0');
    expect(failed.stderr).toMatch(/prompt has \d+ tokens; the context holds 2048/);

    const out = join(dir, 'lenient');
    const ok = await run(['sample', '--input', f, '--out', out, '--max-tokens', '8', '--on-bad-record', 'skip']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(jsonl(join(out, 'records.jsonl')).map((r) => r.key)).toEqual(['a#0', 'c#0']);
    const rejects = jsonl(join(out, 'rejects.jsonl'));
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ key: 'b#0', file: f, line: 2 });
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ complete: true, counts: { records: 2, rejected: 1 } });
  });
});
