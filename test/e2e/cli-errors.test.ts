import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveAssets, run } from './helpers.js';

describe.skipIf(!haveAssets)('engine commands: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfj-cli-bad-'));

  it('a missing input file is a clear error with exit code 1', async () => {
    const r = await run(['label', '--input', join(dir, 'nope.jsonl'), '--out', join(dir, 'l')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The --input file ${join(dir, 'nope.jsonl')} does not exist.`);
  });

  it('a bad record names file and line; --on-bad-record skip writes it to rejects.jsonl', async () => {
    const f = join(dir, 'sim.jsonl');
    writeFileSync(f, '{"key":"a","z1":3,"z2":0.5}\n{"key":"b","z1":"x","z2":0.5}\n{"key":"c","z1":12,"z2":0.1}\n');
    const bad = await run(['label', '--input', f, '--out', join(dir, 'l1')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${f}:2: field "z1" must be a finite number`);
    const ok = await run(['label', '--input', f, '--out', join(dir, 'l2'), '--on-bad-record', 'skip', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'done', written: 1, rejected: 2 });
    const rej = readFileSync(join(dir, 'l2', 'rejects.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rej.map((x) => x.line)).toEqual([2, 3]);
    expect(rej[1].reason).toContain('outside [0, 9]');
  });

  it('an invalid config lists its problems', async () => {
    const c = join(dir, 'cfg.json');
    writeFileSync(c, JSON.stringify({ data: { file: 'x' }, backend: { id: 'llama-cpp:x' }, train: { epochs: 0 } }));
    const r = await run(['run', '--config', c]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('train.epochs: must be >= 1, got 0');
  });

  it('select without a threshold says what it needs', async () => {
    const r = await run(['select', '--input', join(dir, 'sim.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('select needs --tau');
  });
});
