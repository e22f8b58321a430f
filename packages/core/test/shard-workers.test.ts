import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mergeStageShards, runShardWorkers, shardCommandLines, upstreamFor } from '../src/infra/index.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'slow-stage-child.mjs');
const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-workers-'));

function input(dir: string, n: number): string {
  const f = join(dir, 'in.jsonl');
  writeFileSync(f, Array.from({ length: n }, (_, i) => (i % 13 === 4 ? '{"bad' : JSON.stringify({ id: `r${i}`, x: i }))).join('\n') + '\n');
  return f;
}

describe('local shard workers', () => {
  it('runs N worker processes (one crashes and is restarted: it resumes), then the merge equals one process', async () => {
    const d = tmp();
    const inp = input(d, 90);
    const single = await runShardWorkers({ count: 1, logDir: join(d, 'logs1'), worker: () => ({ command: process.execPath, args: [CHILD, join(d, 'single'), inp, '5'] }) });
    expect(single[0].exitCode).toBe(0);
    const out = join(d, 'sharded');
    const marker = join(d, 'crashed-once');
    const upstreams = ['http://10.0.0.1:8000/v1', 'http://10.0.0.2:8000/v1'];
    const seen: string[] = [];
    const r = await runShardWorkers({
      count: 3,
      parallel: 2,
      retries: 1,
      logDir: join(d, 'logs'),
      worker: (s) => {
        seen.push(upstreamFor(s, upstreams));
        return { command: process.execPath, args: [CHILD, out, inp, '5', `${s.index}/${s.count}`], env: s.index === 1 ? { CRASH_ONCE: marker } : {} };
      },
    });
    expect(existsSync(marker)).toBe(true);
    expect(r.map((x) => [x.shard.index, x.exitCode, x.attempts])).toEqual([[0, 0, 1], [1, 0, 2], [2, 0, 1]]);
    expect(seen.sort()).toEqual([upstreams[0], upstreams[0], upstreams[1], upstreams[1]]); // shards 0 and 2 -> first; 1 (started twice) -> second
    expect(readFileSync(r[1].log, 'utf8')).toContain('"ok":true');
    await mergeStageShards({ inputs: [out] });
    for (const f of ['records.jsonl', 'rejects.jsonl', 'manifest.json']) expect(readFileSync(join(out, f)).equals(readFileSync(join(d, 'single', f))), f).toBe(true);
  }, 60_000);

  it('a worker that keeps failing is reported with its exit code, attempts and log', async () => {
    const d = tmp();
    await expect(
      runShardWorkers({ count: 2, retries: 1, logDir: join(d, 'logs'), worker: (s) => ({ command: process.execPath, args: ['-e', `process.exit(${s.index === 1 ? 7 : 0})`] }) }),
    ).rejects.toThrow(/1 of 2 shard worker\(s\) failed:\n {2}shard 1\/2: exit 7 after 2 attempt\(s\), log .*shard-1-of-2\.log/);
   }, 30_000);

  it('prints the shard command lines for a scheduler, shell-quoted', () => {
    expect(shardCommandLines(['selfj', 'sample', '--input', 'my data.jsonl', '--out', '/d/sample'], 2)).toEqual([
      "selfj sample --input 'my data.jsonl' --out /d/sample --shard 0/2",
      "selfj sample --input 'my data.jsonl' --out /d/sample --shard 1/2",
    ]);
    const ups = ['openai:http://gpu1:8000/v1#p', 'openai:http://gpu2:8000/v1#p'];
    expect(shardCommandLines(['selfj', 'judge'], 3, (s) => ['--upstream', upstreamFor(s, ups)])).toEqual([
      "selfj judge --upstream 'openai:http://gpu1:8000/v1#p' --shard 0/3",
      "selfj judge --upstream 'openai:http://gpu2:8000/v1#p' --shard 1/3",
      "selfj judge --upstream 'openai:http://gpu1:8000/v1#p' --shard 2/3",
    ]);
  });
});
