import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelfjError } from '../src/errors.js';
import { parseBackendId, splitUrlAndModel } from '../src/plugins/backend-id.js';
import { PluginRegistry, loadPlugin } from '../src/plugins/registry.js';

let root: string;

/** Writes a real ESM package into <root>/node_modules/<name>. */
function writePackage(name: string, source: string, exportsField: unknown = { '.': { import: './index.js' } }) {
  const dir = join(root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', exports: exportsField }));
  writeFileSync(join(dir, 'index.js'), source);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'selfj-registry-'));
  writePackage(
    '@selfj/backend-llama-cpp',
    `export default { name: 'fake-llama', backends: { 'llama-cpp': async (spec, options) => ({ id: 'llama-cpp:' + spec, options, close: async () => {} }) } };`,
  );
  writePackage(
    'selfj-plugin-extra',
    `export const plugin = { name: 'extra', backends: { mock: async (spec) => ({ id: 'mock:' + spec }) }, embedders: { words: async (spec) => ({ id: 'words:' + spec, dim: 3 }) } };`,
  );
  writePackage('not-a-plugin', `export default 42;`);
  writePackage('broken-plugin', `throw new Error('boom at import');`);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parseBackendId', () => {
  it('splits scheme and spec at the first colon', () => {
    expect(parseBackendId('llama-cpp:/m/x.gguf')).toEqual({ scheme: 'llama-cpp', spec: '/m/x.gguf' });
    expect(parseBackendId('llama-cpp:hf:Qwen/R-GGUF/f.gguf')).toEqual({ scheme: 'llama-cpp', spec: 'hf:Qwen/R-GGUF/f.gguf' });
    expect(parseBackendId('openai:http://h:8000/v1#org/model')).toEqual({ scheme: 'openai', spec: 'http://h:8000/v1#org/model' });
    expect(splitUrlAndModel('http://h:8000/v1#org/model')).toEqual({ baseUrl: 'http://h:8000/v1', model: 'org/model' });
    expect(splitUrlAndModel('http://h/v1')).toEqual({ baseUrl: 'http://h/v1' });
  });
  it('rejects ids without a scheme, drive letters and empty specs', () => {
    for (const bad of ['model.gguf', 'C:\\models\\x.gguf', 'openai:', '']) {
      expect(() => parseBackendId(bad)).toThrow(SelfjError);
    }
  });
});

describe('PluginRegistry', () => {
  it('loads the default package for a scheme by dynamic import and passes spec and options', async () => {
    const reg = new PluginRegistry({ resolveFrom: root });
    const b = (await reg.createBackend('llama-cpp:/models/a.gguf', { threads: 2 })) as unknown as { id: string; options: unknown };
    expect(b.id).toBe('llama-cpp:/models/a.gguf');
    expect(b.options).toEqual({ threads: 2 });
  });

  it('finds schemes in configured plugins (export `plugin`) and embedders too', async () => {
    const reg = new PluginRegistry({ resolveFrom: root, plugins: ['selfj-plugin-extra'] });
    expect((await reg.createBackend('mock:abc')).id).toBe('mock:abc');
    expect((await reg.createEmbedder('words:glove')).dim).toBe(3);
  });

  it('a missing package is PLUGIN_NOT_FOUND with an npm install hint', async () => {
    // a scheme the known-plugin list assigns to a package that is not installed anywhere
    const reg = new PluginRegistry({ resolveFrom: root, defaults: [{ package: '@selfj/ghost-backend', provides: { backends: ['ghost'] }, description: 'x' }] });
    const err = await reg.createBackend('ghost:model').catch((e) => e);
    expect(err).toBeInstanceOf(SelfjError);
    expect(err.code).toBe('PLUGIN_NOT_FOUND');
    expect(err.message).toContain('npm install @selfj/ghost-backend');
    // the same through plain dynamic import (no resolveFrom): a package that nobody installed
    const err2 = await loadPlugin('@selfj/definitely-not-installed').catch((e) => e);
    expect(err2.code).toBe('PLUGIN_NOT_FOUND');
    expect(err2.message).toContain('npm install @selfj/definitely-not-installed');
  });

  it('an unknown scheme says which schemes exist', async () => {
    const err = await new PluginRegistry({ resolveFrom: root }).createBackend('nope:x').catch((e) => e);
    expect(err.code).toBe('PLUGIN_NOT_FOUND');
    expect(err.message).toMatch(/No plugin provides the backend scheme "nope"/);
    expect(err.message).toMatch(/installed backend schemes: llama-cpp \(@selfj\/backend-llama-cpp\), openai \(@selfj\/backend-openai\)/);
    expect(err.message).toContain('--plugin');
  });

  it('rejects modules that are not plugins and reports import failures', async () => {
    const reg = new PluginRegistry({ resolveFrom: root });
    expect((await reg.load('not-a-plugin').catch((e) => e)).code).toBe('BAD_CONFIG');
    const err = await reg.load('broken-plugin').catch((e) => e);
    expect(err.code).toBe('PLUGIN_NOT_FOUND');
    expect(err.message).toContain('boom at import');
  });

  it('loads a plugin from a file path and from register()', async () => {
    const file = join(root, 'local-plugin.mjs');
    writeFileSync(file, `export default { name: 'local', backends: { loc: async (s) => ({ id: 'loc:' + s }) } };`);
    const reg = new PluginRegistry({ plugins: [file] });
    expect((await reg.createBackend('loc:1')).id).toBe('loc:1');
    const reg2 = new PluginRegistry().register({ name: 'inline', backends: { inl: async (s) => ({ id: `inl:${s}` }) as never } });
    expect((await reg2.createBackend('inl:z')).id).toBe('inl:z');
  });
});
