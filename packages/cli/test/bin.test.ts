import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cliRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('the selfj executable', () => {
  it('npm links the committed stub, and the stub runs the built CLI', () => {
    const linked = resolve(cliRoot, '../../node_modules/.bin/selfj');
    expect(existsSync(linked)).toBe(true);
    expect(realpathSync(linked)).toBe(resolve(cliRoot, 'bin/selfj.js'));
    const r = spawnSync(process.execPath, [linked, '--help'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/selfj demo/);
  });
});
