/** `selfj plugins`: every kind, the package providing each scheme, the config's plugins, a broken one refused. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'selfj-plugins-cmd-'));
writeFileSync(
  join(dir, 'toy.mjs'),
  `export default {
  name: 'selfj-plugin-toy',
  backends: { toy: async () => { throw new Error('not opened by selfj plugins'); } },
  judges: { 'toy-judge': async () => { throw new Error('not opened'); } },
};
`,
);
writeFileSync(join(dir, 'broken.mjs'), 'export default { name: 42 };\n');
const config = join(dir, 'selfj.config.json');
writeFileSync(config, JSON.stringify({ plugins: ['./toy.mjs'] }));

let out: string[] = [];
let err: string[] = [];
const writeOut = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  out = [];
  err = [];
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = writeOut;
  process.stderr.write = writeErr;
});

interface Listing {
  kinds: Record<string, { scheme: string; plugin: string; loaded: boolean; description?: string }[]>;
  notInstalled: { package: string }[];
}

describe('selfj plugins', () => {
  it('--json lists every kind with the providing package: built-ins, the default plugins, and the config\'s', async () => {
    expect(await main(['plugins', '--config', config, '--json'])).toBe(0);
    const list = JSON.parse(out.join('')) as Listing;
    expect(Object.keys(list.kinds)).toEqual(['backends', 'embedders', 'datasets', 'samplers', 'judges', 'similarities', 'trainers']);
    const of = (kind: string, scheme: string) => list.kinds[kind].find((e) => e.scheme === scheme);
    expect(of('backends', 'toy')).toMatchObject({ plugin: 'selfj-plugin-toy', loaded: true });
    expect(of('judges', 'toy-judge')?.plugin).toBe('selfj-plugin-toy');
    expect(of('backends', 'llama-cpp')).toMatchObject({ plugin: '@selfj/backend-llama-cpp', description: expect.stringMatching(/llama\.cpp/) });
    expect(of('embedders', 'static')?.plugin).toBe('@selfj/embed-static');
    expect(of('datasets', 'file')?.plugin).toBe('@selfj/dataset-files');
    expect(of('trainers', 'head')?.plugin).toBe('@selfj/core (built-in)');
    expect(list.notInstalled).toEqual([]); // every default plugin is a workspace package here
  });

  it('prints one block per kind for people', async () => {
    expect(await main(['plugins', '--plugin', join(dir, 'toy.mjs')])).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^backends:\n/m);
    expect(text).toMatch(/^ {2}toy +selfj-plugin-toy$/m);
    expect(text).toMatch(/^ {2}openai +@selfj\/backend-openai +any OpenAI-compatible server/m);
    expect(text).toMatch(/^similarities:\n {2}embedder +@selfj\/core \(built-in\)$/m);
  });

  it('a configured plugin that is not a plugin fails the command with the reason', async () => {
    expect(await main(['plugins', '--plugin', join(dir, 'broken.mjs')])).toBe(1);
    expect(err.join('')).toMatch(/broken\.mjs is not a selfj plugin/);
  });
});
