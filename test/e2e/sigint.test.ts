import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, countLines, haveAssets, jsonl, run, start } from './helpers.js';

describe.skipIf(!haveAssets)('Ctrl-C', () => {
  it('stops after the current batch with exit code 130; the same command resumes and finishes', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'selfj-int-')), 'sample');
    const args = ['sample', '--input', join(REPO, 'packages/cli/data/demo-instructions.jsonl'), '--out', out, '--samples', '2', '--max-tokens', '24', '--limit', '20'];
    const { child, done } = start(args);
    while (countLines(join(out, 'records.jsonl')) < 6) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('stopping after the current batch');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.complete).toBe(false);
    const partial = countLines(join(out, 'records.jsonl'));
    expect(partial).toBeLessThan(40);
    const again = await run([...args, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'done', resumed: partial, written: 40 - partial });
    const keys = jsonl(join(out, 'records.jsonl')).map((x) => x.key);
    expect(new Set(keys).size).toBe(40);
  }, 120_000);
});
