import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../src/infra/atomic.js';

// A regular file on a local disk does not produce short writes on demand; writeSync is allowed to (it returns the
// count), e.g. on network file systems or after a signal. This makes every call write at most `cap` bytes.
const short = vi.hoisted(() => ({ cap: Infinity, calls: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset) => {
    short.calls++;
    return fs.writeSync(fd, buf, offset, Math.min(length, short.cap));
  };
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

afterEach(() => {
  short.cap = Infinity;
  short.calls = 0;
});

describe('writeFileAtomic', () => {
  it('writes every byte when writeSync writes only part of them per call', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-atomic-'));
    const path = join(dir, 'sub', 'manifest.json');
    const text = `${JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ i, s: 'é日😀'.repeat(3) })) })}\n`;
    short.cap = 1000;
    writeFileAtomic(path, text);
    expect(short.calls).toBeGreaterThan(10);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['manifest.json']); // no temporary file left
  });

  it('writes bytes given as a Uint8Array the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-atomic-'));
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    short.cap = 333;
    writeFileAtomic(join(dir, 'b.bin'), bytes);
    expect(new Uint8Array(readFileSync(join(dir, 'b.bin')))).toEqual(bytes);
  });
});
