/**
 * Two `train` runs on one judge directory: the features have their own lock, and the judge directory is locked
 * for the whole run, so a second run started while the first trains the head fails at once instead of both
 * writing weights.bin and manifest.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/infra/index.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'train-child.mjs');

interface Outcome {
  ok: boolean;
  pid: number;
  code?: string;
  message?: string;
  status?: string;
  items?: number;
}

function train(dir: string, input: string) {
  const c = spawn(process.execPath, [CHILD, dir, input], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  const training = new Promise<void>((res) => c.stdout.on('data', () => out.includes('training') && res()));
  const done = new Promise<{ exit: number | null; result: Outcome; stderr: string }>((res) =>
    c.on('close', (exit) => res({ exit, result: JSON.parse(out.trim().split('\n').pop() ?? '{}') as Outcome, stderr: err })),
  );
  return { pid: c.pid!, training, done };
}

/** Labelled records as the label stage writes them (z and both views' digit probabilities). */
function labelled(dir: string, n: number): string {
  const probs = (k: number) => Array.from({ length: 10 }, (_, d) => (d === k % 10 ? 0.55 : 0.05));
  const rows = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ key: `q${i}#0`, id: `q${i}`, sample: 0, instruction: `question ${i}`, reference: `reference ${i}`, response: `answer ${i % 7}`, z: (i * 7) % 10, withReference: { probs: probs(i) }, referenceFree: { probs: probs(i + 3) } }),
  );
  const f = join(dir, 'label.jsonl');
  writeFileSync(f, rows.join('\n') + '\n');
  return f;
}

describe('two train processes on one judge directory', () => {
  it('a second run while the first trains the head fails at once with ARTIFACT_LOCKED naming it; the first finishes', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-train-lock-'));
    const input = labelled(d, 40);
    const dir = join(d, 'train');
    const first = train(dir, input);
    await first.training; // the features are done (their lock released): only the judge directory's lock is held
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: first.pid, purpose: 'stage train' });
    const t0 = Date.now();
    const second = await train(dir, input).done;
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(second.exit).toBe(2);
    expect(second.result).toMatchObject({ ok: false, code: 'ARTIFACT_LOCKED' });
    expect(second.result.message).toContain(`in use by pid ${first.pid}`);
    const a = await first.done;
    expect(a.exit, a.stderr).toBe(0);
    expect(a.result).toMatchObject({ ok: true, status: 'done', items: 40 });
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toMatchObject({ format: 'selfj-judge', training: { items: 40 } });
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    // Free again: a third run finds the judge complete for the same settings and skips.
    expect((await train(dir, input).done).result).toMatchObject({ ok: true, status: 'skipped' });
  }, 60_000);
});
