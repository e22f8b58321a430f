/**
 * `selfj run --workers 2` on the real tiny model: sample, self-eval, train (features) and judge each run as two
 * local `selfj <stage> --shard i/2` processes, each against its own replica of the model (workers.upstreams),
 * merged before the next stage; every artifact equals the one process run's, byte for byte. A rerun starts no
 * workers; --print-commands writes the same commands for a scheduler. `--upstream` alone: the calls go to the
 * replica, the artifact records --model.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ENV, REPO, TINY_MODEL, VECTORS, haveAssets, run, type RunResult } from './helpers.js';

/** The CLI in `cwd` (the config's paths are relative, so two runs in one place write the same manifests). */
function selfjIn(cwd: string, args: string[]): Promise<RunResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
}

/** 12 shipped instructions and one without a reference (a reject in every run). */
function workspace(): string {
  const w = mkdtempSync(join(tmpdir(), 'selfj-workers-'));
  const rows = readFileSync(join(REPO, 'packages/cli/data/demo-instructions.jsonl'), 'utf8').trim().split('\n').slice(0, 12);
  rows.splice(5, 0, JSON.stringify({ id: 'no-ref', instruction: 'Say hi.' }));
  writeFileSync(join(w, 'data.jsonl'), `${rows.join('\n')}\n`);
  // Two replicas of the policy at other paths (same bytes): worker i loads replica i.
  for (const i of [0, 1]) copyFileSync(TINY_MODEL, join(w, `replica-${i}.gguf`));
  const config = {
    out: 'run',
    onBadRecord: 'skip',
    data: { source: 'data.jsonl' },
    backend: { id: `llama-cpp:${TINY_MODEL}`, options: { threads: 1 }, batchSize: 4 },
    sample: { samples: 2, maxTokens: 16 },
    similarity: { embedder: `static:${VECTORS}` },
    // the tiny model is no instruction model (digit mass ~1e-4): no floor
    scoring: { minDigitMass: 0 },
    train: { epochs: 5, batchSize: 8 },
    workers: { upstreams: [0, 1].map((i) => `llama-cpp:${join(w, `replica-${i}.gguf`)}`) },
  };
  writeFileSync(join(w, 'cfg.json'), JSON.stringify(config, null, 2));
  return w;
}

const ARTIFACTS = ['sample', 'self-eval', 'similarity', 'label', 'train/features', 'judge'].flatMap((s) => ['records.jsonl', 'rejects.jsonl', 'manifest.json'].map((f) => `${s}/${f}`));
const HEAD = ['train/manifest.json', 'train/weights.bin'];
const LOGS = ['sample', 'self-eval', 'train', 'judge'].flatMap((s) => [0, 1].map((i) => `logs/workers/${s}/shard-${i}-of-2.log`));

describe.skipIf(!haveAssets)('selfj run --workers 2 (real CLI, tiny model, one replica per worker)', () => {
  it('merged artifacts equal a single-process run byte for byte; a rerun starts no workers', async () => {
    const w = workspace();
    const single = await selfjIn(w, ['run', '--config', 'cfg.json', '--until', 'judge', '--json']);
    expect(single.code, single.stderr).toBe(0);
    renameSync(join(w, 'run'), join(w, 'single'));

    const sharded = await selfjIn(w, ['run', '--config', 'cfg.json', '--until', 'judge', '--workers', '2', '--json']);
    expect(sharded.code, sharded.stderr).toBe(0);
    const stages = JSON.parse(sharded.stdout).stages as { stage: string; status: string; records: number; detail?: { workers?: number } }[];
    expect(stages.filter((s) => s.detail?.workers === 2).map((s) => s.stage)).toEqual(['sample', 'self-eval', 'train', 'judge']);
    expect(stages.find((s) => s.stage === 'judge')).toMatchObject({ status: 'done', records: 24 });
    for (const f of [...ARTIFACTS, ...HEAD]) expect(readFileSync(join(w, 'run', f)).equals(readFileSync(join(w, 'single', f))), f).toBe(true);
    expect(JSON.parse(readFileSync(join(w, 'run/judge/manifest.json'), 'utf8'))).toMatchObject({ complete: true, counts: { records: 24, rejected: 0 }, config: { judge: `head:${join(w, 'run/train')}` } });
    const sample = JSON.parse(readFileSync(join(w, 'run/sample/manifest.json'), 'utf8'));
    expect(sample.model.id).toBe(`llama-cpp:${TINY_MODEL}`); // the policy, not the replicas the workers used
    expect(sample.counts.rejected).toBeGreaterThan(0); // the record without a reference
    for (const log of LOGS) expect(existsSync(join(w, 'run', log)), log).toBe(true);
    expect(existsSync(join(w, 'run/sample/shard-1-of-2/manifest.json'))).toBe(true);

    const sizes = LOGS.map((l) => statSync(join(w, 'run', l)).size);
    const again = await selfjIn(w, ['run', '--config', 'cfg.json', '--until', 'judge', '--workers', '2', '--json']);
    expect(again.code, again.stderr).toBe(0);
    const statuses = (JSON.parse(again.stdout).stages as { stage: string; status: string }[]).filter((s) => s.stage !== 'data').map((s) => s.status);
    expect(statuses).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(LOGS.map((l) => statSync(join(w, 'run', l)).size)).toEqual(sizes);

    const printed = await selfjIn(w, ['run', '--config', 'cfg.json', '--workers', '2', '--print-commands']);
    expect(printed.code, printed.stderr).toBe(0);
    const lines = printed.stdout.split('\n');
    const up = (i: number) => `--upstream llama-cpp:${join(w, `replica-${i}.gguf`)}`;
    expect(lines).toContain(`selfj sample --config run/workers/config.json --input data.jsonl --out run/sample ${up(0)} --on-config-change redo --shard 0/2`);
    expect(lines).toContain(`selfj self-eval --config run/workers/config.json --input run/sample/records.jsonl --out run/self-eval ${up(1)} --on-config-change redo --shard 1/2`);
    expect(lines).toContain('selfj merge run/train/features');
    expect(lines).toContain(`selfj judge --config run/workers/config.json --input run/label/records.jsonl --out run/judge --judge head:run/train ${up(0)} --on-config-change redo --shard 0/2`);
    expect(lines.filter((l) => l.startsWith('selfj run '))).toEqual([
      'selfj run --config run/workers/config.json --workers 1 --until label',
      'selfj run --config run/workers/config.json --workers 1 --until train',
      'selfj run --config run/workers/config.json --workers 1',
    ]);
  }, 900_000);

  it('--upstream: the calls go to the replica, the artifact records --model', async () => {
    const w = workspace();
    const inp = join(w, 'in.jsonl');
    const rows = readFileSync(join(w, 'data.jsonl'), 'utf8').trim().split('\n').slice(0, 6).map((l) => JSON.parse(l));
    writeFileSync(inp, rows.map((r, i) => JSON.stringify({ ...r, key: `${r.id}#0`, sample: 0, response: `answer ${i}` })).join('\n') + '\n');
    const selfEval = (out: string, ...more: string[]) => run(['self-eval', '--input', inp, '--out', join(w, out), '--threads', '1', '--on-bad-record', 'skip', '--min-digit-mass', '0', '--json', ...more]);
    const plain = await selfEval('plain', '--model', TINY_MODEL);
    expect(plain.code, plain.stderr).toBe(0);
    const replica = await selfEval('replica', '--model', TINY_MODEL, '--upstream', `llama-cpp:${join(w, 'replica-1.gguf')}`);
    expect(replica.code, replica.stderr).toBe(0);
    for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) expect(readFileSync(join(w, 'replica', f)).equals(readFileSync(join(w, 'plain', f))), f).toBe(true);
    // --model names a file that does not exist: the run can only succeed if the calls went to the replica.
    const named = join(w, 'not-here.gguf');
    const elsewhere = await selfEval('elsewhere', '--model', named, '--upstream', `llama-cpp:${join(w, 'replica-0.gguf')}`);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(w, 'elsewhere', 'manifest.json'), 'utf8'));
    expect(m.model.id).toBe(`llama-cpp:${named}`);
    expect(m.counts.records).toBe(5);
    expect(readFileSync(join(w, 'elsewhere', 'records.jsonl')).equals(readFileSync(join(w, 'plain', 'records.jsonl')))).toBe(true);
  }, 300_000);
});
