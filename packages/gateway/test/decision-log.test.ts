/** The decision log: one whole line per write, rotation by size, and a torn tail after kill -9 cut on reopen. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecisionLog } from '../src/index.js';
import { tempDir } from './helpers.js';

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);

describe('DecisionLog', () => {
  it('appends one JSON line per record and keeps what was there', () => {
    const f = join(tempDir(), 'log', 'd.jsonl');
    const a = new DecisionLog({ file: f, maxBytes: 1 << 20, keep: 2 });
    a.write({ id: 'a', score: 1.5 });
    a.close();
    const b = new DecisionLog({ file: f, maxBytes: 1 << 20, keep: 2 });
    b.write({ id: 'b', text: 'line\nbreak "quoted"' });
    b.close();
    expect(lines(f).map((l) => JSON.parse(l))).toEqual([{ id: 'a', score: 1.5 }, { id: 'b', text: 'line\nbreak "quoted"' }]);
    expect(b.repairedBytes).toBe(0);
  });

  it('rotates past maxBytes: file -> file.1 -> file.2, the oldest beyond keep dropped, nothing lost in between', () => {
    const f = join(tempDir(), 'd.jsonl');
    const log = new DecisionLog({ file: f, maxBytes: 4096, keep: 2 });
    const pad = 'x'.repeat(200);
    for (let i = 0; i < 60; i++) log.write({ i, pad });
    log.close();
    for (const p of [f, `${f}.1`, `${f}.2`]) expect(statSync(p).size).toBeLessThanOrEqual(4096);
    expect(existsSync(`${f}.3`)).toBe(false);
    // the newest lines are in file, then .1, then .2, in order and without a gap
    const all = [...lines(`${f}.2`), ...lines(`${f}.1`), ...lines(f)].map((l) => JSON.parse(l).i as number);
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => 60 - all.length + k));
    expect(all.at(-1)).toBe(59);
  });

  it('cuts a torn last line (a kill inside a write) when opened again', () => {
    const f = join(tempDir(), 'd.jsonl');
    writeFileSync(f, '{"id":"a"}\n{"id":"b"}\n{"id":"c","sco');
    const log = new DecisionLog({ file: f, maxBytes: 1 << 20, keep: 1 });
    expect(log.repairedBytes).toBe('{"id":"c","sco'.length);
    log.write({ id: 'd' });
    log.close();
    expect(lines(f).map((l) => JSON.parse(l).id)).toEqual(['a', 'b', 'd']);
  });

  it('a writer process killed with SIGKILL mid-stream leaves only whole lines (at most the one in flight lost)', async () => {
    const dir = tempDir();
    const f = join(dir, 'd.jsonl');
    const script = join(dir, 'writer.mjs');
    const mod = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'decision-log.js')).href;
    writeFileSync(
      script,
      `import { DecisionLog } from ${JSON.stringify(mod)};
       const log = new DecisionLog({ file: ${JSON.stringify(f)}, maxBytes: 1 << 30, keep: 1 });
       const pad = 'y'.repeat(3000);
       for (let i = 0; ; i++) { log.write({ i, pad }); if (i === 200) process.stdout.write('go\\n'); }`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => child.stdout!.once('data', () => r()));
    await new Promise((r) => setTimeout(r, 30));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    const text = readFileSync(f, 'utf8');
    const whole = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    whole.forEach((l, k) => expect(JSON.parse(l).i).toBe(k)); // every written line whole, in order
    expect(whole.length).toBeGreaterThan(200);
    const log = new DecisionLog({ file: f, maxBytes: 1 << 30, keep: 1 });
    log.write({ i: 'after' });
    log.close();
    const after = lines(f).map((l) => JSON.parse(l));
    expect(after.length).toBe(whole.length + 1);
    expect(after.at(-1)).toEqual({ i: 'after' });
  });
});
