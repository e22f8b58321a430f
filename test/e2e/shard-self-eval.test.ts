/**
 * Issue 15 acceptance: self-eval with the real llama.cpp backend on the tiny real model, as 3 shard processes,
 * one of them killed with SIGKILL mid-way and resumed, merged: byte-identical to one process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mergeStageShards } from '@selfj/core';
import { REPO, TINY_MODEL, countLines } from './helpers.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

function selfEval(dir: string, input: string, shard?: string) {
  const args = ['--import', join(FIX, 'register-shard-hook.mjs'), join(FIX, 'shard-self-eval.mjs'), dir, input, TINY_MODEL, ...(shard ? [shard] : [])];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SELFJ_NATIVE_THREADS: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((res) => child.on('close', (code, signal) => res({ code, signal, out, err })));
  return { child, done };
}

/** Self-eval input: 30 instructions x 2 responses, plus an unparsable line and a record without a response. */
function input(dir: string): string {
  const rows = readFileSync(join(REPO, 'packages/cli/data/demo-instructions.jsonl'), 'utf8').trim().split('\n').slice(0, 30).map((l) => JSON.parse(l));
  const lines: string[] = [];
  for (const r of rows) {
    for (let s = 0; s < 2; s++) {
      const response = s ? r.reference.split(' ').slice(0, 6).join(' ') : 'I do not know.';
      lines.push(JSON.stringify({ key: `${r.id}#${s}`, id: r.id, sample: s, instruction: r.instruction, reference: r.reference, response }));
    }
  }
  lines.splice(7, 0, '{"oops');
  lines.splice(33, 0, JSON.stringify({ key: 'x#1', instruction: 'hi', reference: 'ho' }));
  const f = join(dir, 'sample.jsonl');
  writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

describe.skipIf(!existsSync(TINY_MODEL))('sharded self-eval, real llama.cpp backend (tiny real model)', () => {
  it('3 shard processes, one killed with -9 and resumed, merge byte-identical to a single process', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-shard-se-'));
    const inp = input(d);
    const single = await selfEval(join(d, 'single'), inp).done;
    expect(single.code, single.err).toBe(0);

    const out = join(d, 'self-eval');
    const victim = join(out, 'shard-1-of-3', 'records.jsonl');
    const runs = [0, 1, 2].map((i) => selfEval(out, inp, `${i}/3`));
    // SIGKILL shard 1 once it has written a few records (it is then mid-way: ~20 are its share).
    let killed = false;
    while (!killed && runs[1].child.exitCode === null) {
      if (countLines(victim) >= 3) {
        runs[1].child.kill('SIGKILL');
        killed = true;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await Promise.all(runs.map((r) => r.done));
    expect(killed).toBe(true);
    expect(results[1].signal).toBe('SIGKILL');
    for (const i of [0, 2]) expect(results[i].code, results[i].err).toBe(0);
    await expect(mergeStageShards({ inputs: [out] })).rejects.toThrow(/shard 1\/3 .* not finished/);

    const resumed = await selfEval(out, inp, '1/3').done;
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out).resumed).toBeGreaterThanOrEqual(3);
    const m = await mergeStageShards({ inputs: [out] });
    expect(m.manifest.counts).toEqual({ records: 60, rejected: 2 });
    for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(d, 'single', f))), f).toBe(true);
    }
  }, 600_000);
});
