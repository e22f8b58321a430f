/**
 * The scale-out flags: --shard i/N | auto on the stage commands (checked with the other flags, before any work),
 * selfj run's --print-commands needing --workers, and export's --nodes and --data-shards reaching the launch
 * folder and the data shards.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'selfj-shard-flags-'));
/** Similarity-stage output (what label reads) and label output (what export reads), 20 items. */
const scored = join(dir, 'scored.jsonl');
writeFileSync(scored, Array.from({ length: 20 }, (_, i) => JSON.stringify({ key: `q${i}#0`, id: `q${i}`, sample: 0, instruction: `q ${i}`, reference: `r ${i}`, response: `a ${i}`, z1: i % 10, z2: (i % 7) / 7 })).join('\n') + '\n');
const labelled = join(dir, 'labelled.jsonl');
writeFileSync(labelled, Array.from({ length: 20 }, (_, i) => JSON.stringify({ key: `q${i}#0`, id: `q${i}`, instruction: `q ${i}`, reference: `r ${i}`, response: `a ${i}`, z: i % 10 })).join('\n') + '\n');

let stderr: string[] = [];
let stdout: string[] = [];
const writeErr = process.stderr.write.bind(process.stderr);
const writeOut = process.stdout.write.bind(process.stdout);
const env = { ...process.env };
beforeEach(() => {
  stderr = [];
  stdout = [];
  process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
  process.stdout.write = ((s: string) => (stdout.push(String(s)), true)) as typeof process.stdout.write;
});
afterEach(() => {
  process.stderr.write = writeErr;
  process.stdout.write = writeOut;
  process.env = { ...env };
});

const selfj = (...args: string[]) => main(args);

describe('--shard on the stage commands', () => {
  it('a bad spec is a flag error naming --shard, and nothing is written', async () => {
    const out = join(dir, 'bad');
    expect(await selfj('label', '--input', scored, '--out', out, '--shard', '3/2')).toBe(1);
    expect(stderr.join('')).toMatch(/--shard: Bad shard 3\/2: expected 0 <= index < count/);
    expect(await selfj('label', '--input', scored, '--out', out, '--shard', 'half')).toBe(1);
    expect(stderr.join('')).toMatch(/--shard: Bad shard "half": expected i\/N/);
    expect(existsSync(out)).toBe(false);
  });

  it('"auto" outside a scheduler says where it looked and what to set', async () => {
    for (const k of ['SELFJ_SHARD_INDEX', 'SELFJ_SHARD_COUNT', 'JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID']) delete process.env[k];
    expect(await selfj('label', '--input', scored, '--out', join(dir, 'auto-none'), '--shard', 'auto')).toBe(1);
    expect(stderr.join('')).toMatch(/--shard: --shard auto found no shard in the environment \(.*SLURM job array.*SELFJ_SHARD_INDEX and SELFJ_SHARD_COUNT/);
  });

  it('"auto" in a Kubernetes Indexed Job writes that shard; the shards merge into one artifact equal to a single run', async () => {
    const out = join(dir, 'label');
    for (const i of [0, 1]) {
      process.env.JOB_COMPLETION_INDEX = String(i);
      process.env.SELFJ_SHARD_COUNT = '2';
      expect(await selfj('label', '--input', scored, '--out', out, '--shard', 'auto', '--json'), stderr.join('')).toBe(0);
      expect(JSON.parse(stdout.pop()!)).toMatchObject({ status: 'done', shard: { index: i, count: 2 }, dir: join(out, `shard-${i}-of-2`) });
    }
    expect(readdirSync(out).sort()).toEqual(['shard-0-of-2', 'shard-1-of-2']);
    expect(await selfj('merge', out, '--quiet')).toBe(0);
    expect(await selfj('label', '--input', scored, '--out', join(dir, 'label-single'), '--quiet')).toBe(0);
    for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) expect(readFileSync(join(out, f)).equals(readFileSync(join(dir, 'label-single', f))), f).toBe(true);
  });

  it('--shard 0/1 is no split: the stage writes --out itself', async () => {
    const out = join(dir, 'one');
    expect(await selfj('label', '--input', scored, '--out', out, '--shard', '0/1', '--quiet')).toBe(0);
    expect(existsSync(join(out, 'records.jsonl'))).toBe(true);
    expect(existsSync(join(out, 'shard-0-of-1'))).toBe(false);
  });

  it('--on-config-change redo replaces a shard made with other settings; the default refuses it', async () => {
    const out = join(dir, 'redo');
    expect(await selfj('label', '--input', scored, '--out', out, '--shard', '0/2', '--quiet')).toBe(0);
    expect(await selfj('label', '--input', scored, '--out', out, '--shard', '0/2', '--w1', '0.7', '--quiet')).toBe(1);
    expect(stderr.join('')).toMatch(/made with other settings:\n {2}config\.w1: was 0\.5, now 0\.7/);
    expect(await selfj('label', '--input', scored, '--out', out, '--shard', '0/2', '--w1', '0.7', '--on-config-change', 'redo', '--quiet')).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'shard-0-of-2', 'manifest.json'), 'utf8')).config.w1).toBe(0.7);
  });
});

describe('selfj run --print-commands', () => {
  it('needs --workers N', async () => {
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ out: join(dir, 'run'), data: { source: scored } }));
    expect(await selfj('run', '--config', join(dir, 'run.json'), '--print-commands')).toBe(1);
    expect(stderr.join('')).toMatch(/--print-commands .* needs --workers N/);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});

describe('selfj export --nodes --data-shards', () => {
  it('writes the launch folder for nodes x processes and the data in --data-shards files per split', async () => {
    const out = join(dir, 'export');
    expect(await selfj('export', '--input', labelled, '--out', out, '--processes', '2', '--nodes', '3', '--data-shards', '4', '--quiet'), stderr.join('')).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'data', 'index.json'), 'utf8'));
    const files = index.splits.train.files as { rows: number }[];
    expect(files.map((f) => f.rows)).toEqual([5, 5, 5, 5]);
    expect(readFileSync(join(out, 'launch', 'accelerate.yaml'), 'utf8')).toMatch(/num_machines: 3/);
    expect(readFileSync(join(out, 'launch', 'accelerate.yaml'), 'utf8')).toMatch(/num_processes: 6/);
    // without --data-shards: one file per training process (nodes x processes)
    expect(await selfj('export', '--input', labelled, '--out', join(dir, 'export2'), '--processes', '2', '--nodes', '3', '--quiet')).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'export2', 'data', 'index.json'), 'utf8')).splits.train.files).toHaveLength(6);
  });
});
