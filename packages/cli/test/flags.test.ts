import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yargs, { type Argv } from 'yargs';
import { DEFAULT_CONFIG } from '@selfj/core';
import { main } from '../src/cli.js';
import { commands } from '../src/commands/index.js';

const dir = mkdtempSync(join(tmpdir(), 'selfj-flags-'));
const items = join(dir, 'items.jsonl');
writeFileSync(items, Array.from({ length: 300 }, (_, i) => JSON.stringify({ score: i % 10, grade: 1 + (i % 3) })).join('\n'));

let stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  stderr = [];
  process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
});
afterEach(() => {
  process.stderr.write = write;
});

/** Runs the CLI; returns its exit code, with stderr captured in `stderr`. */
const selfj = (...args: string[]) => main([...args, '--quiet']);

describe('flags are checked before any work, through the schema', () => {
  it('a mistyped flag is refused with "did you mean", and nothing is written', async () => {
    const out = join(dir, 'typo.json');
    expect(await selfj('calibrate', '--input', items, '--target-rsk', '0.1', '--out', out)).toBe(1);
    expect(stderr.join('')).toMatch(/--target-rsk: unknown flag for `selfj calibrate` \(did you mean --target-risk\?\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('--bad-below abc no longer certifies answering everything: it is an error naming the flag', async () => {
    const out = join(dir, 'abc.json');
    expect(await selfj('calibrate', '--input', items, '--bad-below', 'abc', '--out', out)).toBe(1);
    expect(stderr.join('')).toMatch(/--bad-below: expected number, got "abc"/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects out-of-range values with the accepted range', async () => {
    expect(await selfj('eval', '--input', items, '--max-grade', '-10')).toBe(1);
    expect(stderr.join('')).toMatch(/--max-grade: must be > 0, got -10/);
    expect(await selfj('calibrate', '--input', items, '--delta', '1', '--out', join(dir, 'd.json'))).toBe(1);
    expect(stderr.join('')).toMatch(/--delta \(calibrate.delta\): must be < 1, got 1/);
    expect(await selfj('eval', '--input', items, '--coverages', '0.5,2')).toBe(1);
    expect(stderr.join('')).toMatch(/--coverages: must be <= 1/);
  });

  it('a grid of more than 10,001 thresholds is refused at once, with the smallest step that fits', async () => {
    const t0 = Date.now();
    expect(await selfj('calibrate', '--input', items, '--grid-step', '1e-7', '--out', join(dir, 'g.json'))).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(stderr.join('')).toMatch(/makes a grid of 90000001 thresholds; at most 10001/);
    expect(stderr.join('')).toMatch(/--grid-step >= 0\.00090/);
  });

  it('a flag that sets a config setting is validated with the config, and named in the error', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ sample: { samples: 2 } }));
    expect(await selfj('sample', '--config', cfg, '--input', items, '--samples', '0', '--out', join(dir, 's'))).toBe(1);
    expect(stderr.join('')).toMatch(/--samples \(sample\.samples\): must be >= 1, got 0/);
    expect(existsSync(join(dir, 's'))).toBe(false);
  });

  it('a config with a typo is refused with the path and a suggestion', async () => {
    const cfg = join(dir, 'typo-cfg.json');
    writeFileSync(cfg, JSON.stringify({ train: { epoch: 3 } }));
    expect(await selfj('label', '--config', cfg, '--input', items, '--out', join(dir, 'l'))).toBe(1);
    expect(stderr.join('')).toMatch(/train\.epoch: unknown setting \(did you mean train\.epochs\?\)/);
  });

  it('--target-risk 1 is refused up front with the accepted range (calibrateThreshold needs (0, 1)), and nothing is written', async () => {
    const out = join(dir, 'risk1.json');
    expect(await selfj('calibrate', '--input', items, '--target-risk', '1', '--out', out)).toBe(1);
    expect(stderr.join('')).toMatch(/--target-risk \(calibrate\.targetRisk\): must be < 1, got 1/);
    expect(stderr.join('')).not.toMatch(/calibrateThreshold/);
    expect(existsSync(out)).toBe(false);
    expect(await selfj('calibrate', '--input', items, '--target-risk', '0', '--out', out)).toBe(1);
    expect(stderr.join('')).toMatch(/--target-risk \(calibrate\.targetRisk\): must be > 0, got 0/);
  });

  it('--target-risk defaults to the config setting calibrate.targetRisk, the default `selfj run` uses', async () => {
    const out = join(dir, 'default-risk.json');
    expect(await selfj('calibrate', '--input', items, '--bad-below', '2', '--out', out)).toBe(0);
    expect(DEFAULT_CONFIG.calibrate.targetRisk).toBe(0.2);
    expect(JSON.parse(readFileSync(out, 'utf8')).targetRisk).toBe(DEFAULT_CONFIG.calibrate.targetRisk);
  });

  it('valid flags still run (and the threshold file records them)', async () => {
    const out = join(dir, 'ok.json');
    expect(await selfj('calibrate', '--input', items, '--target-risk', '0.5', '--bad-below', '2', '--out', out)).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ targetRisk: 0.5, badBelow: 2, n: 300 });
  });
});

describe('--help', () => {
  /** A command's help, one line per flag (no wrapping), as `selfj <command> --help` prints it. */
  async function help(c: (typeof commands)[number]): Promise<string> {
    const y = yargs([]).wrap(null).exitProcess(false);
    (c.builder as (y: Argv) => Argv)(y);
    return y.getHelp();
  }

  it('every flag of every command has a description, those that set a config setting included', async () => {
    const missing: string[] = [];
    let settings = 0;
    for (const c of commands) {
      const name = String(c.command).split(' ')[0];
      for (const line of (await help(c)).split('\n')) {
        const m = /^\s+(?:-\w, )?(--)?([\w-]+)\s+(.*)$/.exec(line);
        if (!m) continue;
        if (line.includes('[config: ') && m[2] !== 'config') settings++;
        // an empty description leaves the type hints ("[number] [config: sample.topP]") first
        if (m[3].startsWith('[')) missing.push(`${name} ${m[1] ?? ''}${m[2]}`);
      }
    }
    expect(settings).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it('sample --top-p and calibrate --target-risk say what they are (and the target risk its default)', async () => {
    const find = async (cmd: string, flag: string) => (await help(commands.find((c) => String(c.command).split(' ')[0] === cmd)!)).split('\n').find((l) => l.includes(`--${flag} `));
    expect(await find('sample', 'top-p')).toMatch(/--top-p\s+Nucleus sampling.*\[config: sample\.topP\]/);
    expect(await find('calibrate', 'target-risk')).toMatch(/--target-risk\s+Highest acceptable share .* in \(0, 1\); default 0\.2 .*\[config: calibrate\.targetRisk\]/);
  });
});
