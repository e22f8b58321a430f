/**
 * Issue 15 acceptance, through the real CLI: `selfj self-eval --shard i/3` with the real llama.cpp backend on the
 * tiny real model as 3 processes, one of them killed with SIGKILL mid-way and resumed, then `selfj merge`:
 * byte-identical to one `selfj self-eval` process (records, rejects and the manifest with its digit-mass summary).
 * And every sharded stage command refuses a shard another process holds before it opens a model.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, TINY_MODEL, countLines, run, start } from './helpers.js';

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

/** The tiny model is no instruction model (digit mass ~1e-4): no floor, so every item is scored. */
const selfEval = (inp: string, out: string, ...more: string[]) => ['self-eval', '--input', inp, '--out', out, ...(more.includes('--model') ? [] : ['--model', TINY_MODEL]), '--threads', '1', '--batch-size', '2', '--on-bad-record', 'skip', '--min-digit-mass', '0', '--json', ...more];

describe.skipIf(!existsSync(TINY_MODEL) || !existsSync(BIN))('selfj self-eval --shard, real llama.cpp backend (tiny real model)', () => {
  it('3 shard processes, one killed with -9 and resumed, `selfj merge` byte-identical to a single process', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-shard-se-'));
    const inp = input(d);
    const single = await run(selfEval(inp, join(d, 'single')));
    expect(single.code, single.stderr).toBe(0);

    const out = join(d, 'self-eval');
    const victim = join(out, 'shard-1-of-3', 'records.jsonl');
    const runs = [0, 1, 2].map((i) => start(selfEval(inp, out, '--shard', `${i}/3`)));
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
    for (const i of [0, 2]) expect(results[i].code, results[i].stderr).toBe(0);
    expect(JSON.parse(results[0].stdout)).toMatchObject({ shard: { index: 0, count: 3 }, dir: join(out, 'shard-0-of-3') });
    const early = await run(['merge', out]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/shard 1\/3 .* not finished/);

    const resumed = await run(selfEval(inp, out, '--shard', '1/3'));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).resumed).toBeGreaterThanOrEqual(3);
    const merged = await run(['merge', out, '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ status: 'done', stage: 'self-eval', counts: { records: 60, rejected: 2 } });
    for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(d, 'single', f))), f).toBe(true);
    }
    // A shard run after the merge finds the merged artifact complete and does nothing.
    const after = await run(selfEval(inp, out, '--shard', '2/3'));
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'skipped', dir: out });
  }, 600_000);
});

/** A process that holds the lock of `dir` (as a running stage does) until it is killed. */
async function holdLock(dir: string, purpose: string) {
  mkdirSync(dir, { recursive: true });
  const core = join(REPO, 'packages/core/dist/infra/index.js');
  const code = `import { lockDir } from ${JSON.stringify(core)}; lockDir(${JSON.stringify(dir)}, { purpose: ${JSON.stringify(purpose)} }); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((res) => child.stdout.on('data', (b) => String(b).includes('locked') && res()));
  return child;
}

describe.skipIf(!existsSync(BIN))('a shard held by another process', () => {
  it('every sharded stage command fails with ARTIFACT_LOCKED naming the holder, before it opens a model', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-shard-locked-'));
    const inp = join(d, 'in.jsonl');
    writeFileSync(inp, `${JSON.stringify({ id: 'a', instruction: 'hi', reference: 'ho', response: 'ho', z1: 1, z2: 0.5, z: 3 })}\n`);
    // None of these models or embedders exists: a command that opened one first would fail with NOT_FOUND instead.
    const missing = join(d, 'no-such-model.gguf');
    const commands: [string, string, string[]][] = [
      ['sample', 'sample', ['--model', missing]],
      ['self-eval', 'self-eval', ['--model', missing]],
      ['similarity', 'similarity', ['--embedder', `static:${join(d, 'no-such-vectors.bin')}`]],
      ['label', 'label', []],
      ['judge', 'judge', ['--model', missing]],
      ['train', 'train/features', ['--model', missing]],
    ];
    for (const [stage, shardsIn, flags] of commands) {
      const held = join(d, shardsIn, 'shard-1-of-2');
      const holder = await holdLock(held, `stage ${stage} shard 1/2`);
      try {
        const r = await run([stage, '--input', inp, '--out', join(d, stage), '--shard', '1/2', ...flags]);
        expect(r.code, stage).toBe(1);
        expect(r.stderr, stage).toContain(`${held} is in use by pid ${holder.pid}`);
      } finally {
        holder.kill('SIGKILL');
      }
    }
  }, 120_000);
});
