/** Issue 10: two `selfj sample --out D` started a second apart must not both write D. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, TINY_MODEL, haveAssets, start } from './helpers.js';

describe.skipIf(!haveAssets)('two runs on one stage directory (real CLI, tiny model)', () => {
  it('the second fails at once with ARTIFACT_LOCKED naming the first; the first writes every key once', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-twice-'));
    const out = join(d, 'sample');
    const args = ['sample', '--input', join(REPO, 'packages/cli/data/demo-instructions.jsonl'), '--out', out, '--model', TINY_MODEL, '--samples', '4', '--max-tokens', '24', '--quiet'];
    const first = start(args);
    // Start the second once the first holds the directory (its lock file exists).
    const lock = join(out, '.selfj.lock');
    for (let i = 0; i < 400; i++) {
      try {
        readFileSync(lock);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const t0 = Date.now();
    const second = await start(args).done;
    const secondSeconds = (Date.now() - t0) / 1000;
    const a = await first.done;
    expect(a.code, a.stderr).toBe(0);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is in use by pid ${first.child.pid}`);
    expect(second.stderr).toContain('stage sample');
    expect(secondSeconds).toBeLessThan(30); // at once: no model work before the refusal beyond start-up
    const keys = readFileSync(join(out, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).key);
    expect(keys.length).toBe(200);
    expect(new Set(keys).size).toBe(200);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ complete: true, counts: { records: 200 } });
  }, 300_000);
});
