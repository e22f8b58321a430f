/**
 * A cross-process lock file (O_EXCL create, holding our pid) so two selfj processes never write the same blob at
 * once. A lock whose process is gone is taken over.
 */
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { abortError } from '@selfj/core';

const STALE_MS = 24 * 3600 * 1000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const pid = Number.parseInt(text, 10);
    if (!Number.isFinite(pid) || pid <= 0) return Date.now() - st.mtimeMs > 10_000; // half-written lock: give it a moment
    if (pid === process.pid) return false;
    return !alive(pid) || Date.now() - st.mtimeMs > STALE_MS;
  } catch {
    return false; // vanished: the next create attempt decides
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>, signal?: AbortSignal, pollMs = 100): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  for (;;) {
    if (signal?.aborted) throw abortError(signal);
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(String(process.pid));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (await isStale(path)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => undefined);
  }
}
