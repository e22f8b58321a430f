// Test helpers: where the addon is, whether tests that need it must fail or may skip, and child-process runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultAddonPath, tryLoadAddon, type RawAddon } from '../ts/loader.js';

export const NATIVE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = path.join(NATIVE_ROOT, 'test', 'fixtures');
export const ADDON_PATH = defaultAddonPath();

const loaded = existsSync(ADDON_PATH) ? tryLoadAddon(ADDON_PATH) : { error: `${ADDON_PATH} does not exist` };
/** The raw addon at its default path, or null. */
export const addon: RawAddon | null = 'addon' in loaded ? loaded.addon : null;
export const addonMissingReason = 'error' in loaded ? `addon not built (${loaded.error}); run npm run build:addon -w @selfj/native` : '';
const REQUIRE = process.env.SELFJ_NATIVE_REQUIRE === '1';

interface SkipCtx {
  skip: (note?: string) => void;
}

/** Call first in a test that needs the addon: skips with the reason, or fails when SELFJ_NATIVE_REQUIRE=1. */
export function needAddon(ctx: SkipCtx): RawAddon {
  if (addon) return addon;
  if (REQUIRE) throw new Error(`SELFJ_NATIVE_REQUIRE=1 but ${addonMissingReason}`);
  ctx.skip(addonMissingReason);
  throw new Error('unreachable');
}

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a fixture: ours minus the selection variables, plus `env`. */
export function fixtureEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const k of ['SELFJ_NATIVE_BACKEND', 'SELFJ_NATIVE_PATH', 'SELFJ_NATIVE_ISA', 'SELFJ_NATIVE_WARN', 'SELFJ_NATIVE_THREADS',
    'SELFJ_NATIVE_PREBUILDS', 'SELFJ_NATIVE_VERIFY', 'SELFJ_NATIVE_TUNE']) delete base[k];
  return { ...base, ...env };
}

/** Runs a fixture script with Node under extra env (inherits the rest, minus our selection variables). */
export function runFixture(script: string, env: Record<string, string | undefined> = {}, timeoutMs = 300_000, input?: string): ChildResult {
  const r = spawnSync(process.execPath, [path.join(FIXTURES, script)], {
    env: fixtureEnv(env),
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Parses the single JSON document a fixture prints; fails with the child's output when it did not. */
export function childJson<T>(r: ChildResult): T {
  if (r.status !== 0) throw new Error(`child exited ${r.status} (signal ${r.signal})\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-4000)}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`child printed no JSON:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-4000)}`);
  }
}
