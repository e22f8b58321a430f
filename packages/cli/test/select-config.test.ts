import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'selfj-select-cfg-'));
const input = join(dir, 'judged.jsonl');
writeFileSync(input, [{ id: 'a', score: 7.5 }, { id: 'b', score: 'high' }, { id: 'c', score: 2 }].map((r) => JSON.stringify(r)).join('\n'));

describe('select and rerank take the bad-record policy from --config', () => {
  it('fails on a bad score by default, skips it when the config says so', async () => {
    expect(await main(['select', '--input', input, '--tau', '5', '--out', join(dir, 'strict'), '--quiet'])).not.toBe(0);
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ data: { file: '-' }, backend: { id: '-' }, onBadRecord: 'skip' }));
    expect(await main(['select', '--input', input, '--tau', '5', '--config', cfg, '--out', join(dir, 'lenient'), '--quiet'])).toBe(0);
    const out = readFileSync(join(dir, 'lenient', 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((r) => [r.id, r.decision])).toEqual([['a', 'answer'], ['c', 'decline']]);
    expect(JSON.parse(readFileSync(join(dir, 'lenient', 'rejects.jsonl'), 'utf8'))).toMatchObject({ file: input, line: 2 });
    expect(await main(['rerank', '--input', input, '--config', cfg, '--out', join(dir, 'rerank'), '--quiet'])).toBe(0);
  });
});
