// One ISA choice per machine, whatever the load: several real processes started at the same moment on one fresh cache
// directory, while other children keep every core busy, must all run each kernel on the same ISA and produce
// bit-identical results. The ISAs round differently (checked first), so a process that picked its own ISA would show.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, type CacheEntry } from '../ts/dispatch.js';
import type { DispatchInfo, KernelName, NativeInfo } from '../ts/types.js';
import { FIXTURES, childJson, fixtureEnv, needAddon, runFixture } from './helpers.js';

type Digests = Record<KernelName, string>;
interface ChildOut {
  pid: number;
  info: NativeInfo & { dispatch: DispatchInfo };
  digests: Digests;
}

const CHILDREN = 6;

/** Starts the children, waits until each has imported the API, then releases them together. */
async function raceChildren(env: NodeJS.ProcessEnv, n: number): Promise<ChildOut[]> {
  const children = Array.from({ length: n }, () => spawn(process.execPath, [path.join(FIXTURES, 'race-child.mjs')], { env }));
  const outputs = children.map((c) => {
    let out = '', err = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const ready = new Promise<void>((resolve, reject) => {
      c.stdout.on('data', () => out.includes('ready\n') && resolve());
      c.on('exit', (code) => reject(new Error(`child exited ${code} before it was ready: ${err.slice(-2000)}`)));
    });
    const done = new Promise<ChildOut>((resolve, reject) => c.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as ChildOut);
      else reject(new Error(`child exited ${code} (${signal}): ${out.slice(-2000)}\n${err.slice(-2000)}`));
    }));
    return { ready, done };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const c of children) c.stdin.end('go\n');
  return Promise.all(outputs.map((o) => o.done));
}

/** Busy-loop children: every core taken while the measurements run. */
function cpuHogs(): ChildProcess[] {
  const n = Math.min(4, os.availableParallelism());
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

describe('one dispatch choice per machine', () => {
  it(`${CHILDREN} processes started together under CPU load: one measurement cached, every process on its ISAs, ` +
    'bit-identical kernel results', async (ctx) => {
    const raw = needAddon(ctx);
    const simd = (raw.info().isas ?? []).filter((i) => i !== 'scalar');
    // Each ISA's results, in a child with that ISA forced: they must differ, or identical results would prove nothing.
    const perIsa = Object.fromEntries((raw.info().isas ?? []).map((isa) => {
      const r = runFixture('race-child.mjs', { SELFJ_NATIVE_ISA: isa, SELFJ_NATIVE_BACKEND: 'cpu' }, 120_000, 'go\n');
      return [isa, childJson<ChildOut>({ ...r, stdout: r.stdout.replace(/^ready\n/, '') }).digests];
    }));
    if (simd.length >= 2) {
      for (const k of ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'] as const) {
        expect(perIsa[simd[0]][k], `${k} gives the same bits on ${simd[0]} and ${simd[1]}`).not.toBe(perIsa[simd[1]][k]);
      }
    }

    const dir = mkdtempSync(path.join(tmpdir(), 'selfj-dispatch-race-'));
    const hogs = cpuHogs();
    let outs: ChildOut[];
    try {
      outs = await raceChildren(fixtureEnv({ SELFJ_NATIVE_CACHE_DIR: dir, SELFJ_NATIVE_BACKEND: 'cpu' }), CHILDREN);
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }

    const files = readdirSync(dir).filter((f) => /^native-dispatch-.*\.json$/.test(f));
    expect(files).toHaveLength(1);
    const cached = JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8')) as CacheEntry;
    // Exactly one process wrote the choice; the others read it, some after measuring for themselves.
    expect(outs.filter((o) => o.info.dispatch.source === 'measured')).toHaveLength(1);
    const measurer = outs.find((o) => o.info.dispatch.source === 'measured');
    expect(cached.pid).toBe(measurer?.pid);
    expect(cached.underLoad).toBe(cached.cpuShare < 0.5);
    for (const o of outs) {
      expect(o.info.dispatch.source === 'measured' || o.info.dispatch.source === 'cache', o.info.dispatch.reason).toBe(true);
      expect(o.info.kernels).toEqual(cached.kernels);
      expect(o.info.dispatch.underLoad).toBe(cached.underLoad);
      expect(o.digests).toEqual(outs[0].digests);
    }
    // And the results are those of the cached ISA of each kernel.
    for (const k of KERNEL_NAMES) expect(outs[0].digests[k], k).toBe(perIsa[cached.kernels[k]][k]);
    const adopted = outs.filter((o) => /measured too/.test(o.info.dispatch.reason ?? '')).length;
    ctx.annotate(`${adopted} of ${CHILDREN - 1} readers measured too and adopted the cached choice; cached under load: ` +
      `${cached.underLoad} (${Math.round(cached.cpuShare * 100)}% CPU share); kernels ${JSON.stringify(cached.kernels)}`);
  }, 300_000);
});
