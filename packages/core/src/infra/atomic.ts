/** Atomic small-file writes (tmp + fsync + rename): a reader never sees half a manifest. */
import { closeSync, fsyncSync, openSync, renameSync, writeSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SelfjError } from '../errors.js';

/** Puts a finished temporary file in place of `path`: its bytes reach the disk first, then the rename does. */
export function commitTempFile(tmp: string, path: string): void {
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // fsync the directory so the rename itself survives a crash (best effort: not every platform allows it).
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directory fsync unsupported */
  }
}

/** The one atomic writer for small files: a reader sees the old file or the whole new one, also after a crash. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    // writeSync may write fewer bytes than asked (it returns how many): go on until all are written.
    for (let done = 0; done < bytes.length; ) {
      const n = writeSync(fd, bytes, done, bytes.length - done);
      if (n <= 0) throw new SelfjError('INTERNAL', `Writing ${tmp} made no progress after ${done} of ${bytes.length} bytes.`, { solutions: ['Check the disk (space, quota) and try again'] });
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  commitTempFile(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJsonFile<T>(path: string, what = 'file'): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new SelfjError('ARTIFACT_CORRUPT', `The ${what} ${path} is not valid JSON: ${(e as Error).message}`, {
      solutions: [`Delete ${path} and run the stage again`],
    });
  }
}
