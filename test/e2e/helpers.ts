/** Spawning the real `selfj` CLI for end-to-end tests (the built dist; run `npm run build` first). */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO, 'packages/cli/dist/bin.js');
export const TINY_MODEL = process.env.SELFJ_TEST_MODEL ?? resolve(REPO, '../shared/models/stories260K.gguf');
export const VECTORS = process.env.SELFJ_TEST_VECTORS ?? resolve(REPO, '../shared/models/glove-20k-100d.i8.bin');
export const haveAssets = existsSync(TINY_MODEL) && existsSync(VECTORS) && existsSync(BIN);

export const ENV = { ...process.env, SELFJ_MODEL: TINY_MODEL, SELFJ_VECTORS: VECTORS, HF_HUB_OFFLINE: '1', CI: 'true', SELFJ_NATIVE_THREADS: '1' };

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function start(args: string[]): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<RunResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

export function run(args: string[]): Promise<RunResult> {
  return start(args).done;
}

export function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

export function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Starts the command and SIGKILLs it as soon as `ready()` holds (or it exits by itself). Returns whether it was killed. */
export async function killWhen(args: string[], ready: () => boolean, pollMs = 25): Promise<boolean> {
  const { child, done } = start(args);
  let exited = false;
  void done.then(() => (exited = true));
  while (!exited) {
    if (ready()) {
      child.kill('SIGKILL');
      const r = await done;
      return r.signal === 'SIGKILL';
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return false;
}
