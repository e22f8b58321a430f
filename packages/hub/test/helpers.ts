import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeHub } from '../src/testing/fake-hub.js';

export async function setup(): Promise<{ hub: FakeHub; cacheDir: string; done: () => Promise<void> }> {
  const hub = await new FakeHub().start();
  const root = await mkdtemp(join(tmpdir(), 'selfj-hub-'));
  return {
    hub,
    cacheDir: join(root, 'hub'),
    done: async () => {
      await hub.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Deterministic pseudo-random bytes (incompressible, so sizes are real). */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
