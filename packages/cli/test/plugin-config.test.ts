import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'selfj-plugin-cfg-'));
const pluginFile = join(dir, 'my-backend.mjs');
// A real plugin module, as a user would write one: the default export declares the backend scheme it provides.
writeFileSync(
  pluginFile,
  `export default {
  name: 'my-backend',
  backends: {
    mine: async (spec, options) => ({
      id: 'mine:' + spec,
      capabilities: () => ({ logprobs: 'none', features: false, embeddings: false, chatTemplate: false }),
      generate: async (prompt, o) => ({ text: 'answer from ' + spec + ' seed ' + o.seed + ' ' + (options.tag ?? ''), finishReason: 'stop' }),
      nextTokenProbabilities: async () => { throw new Error('not used'); },
      tokenize: async (t) => [...t].map((c) => c.charCodeAt(0)),
      close: async () => {},
    }),
  },
};
`,
);
const data = join(dir, 'data.jsonl');
writeFileSync(data, [1, 2, 3].map((i) => JSON.stringify({ id: `q${i}`, instruction: `task ${i}`, reference: `ref ${i}` })).join('\n'));

let stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);
beforeEach(() => {
  stderr = [];
  process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
});
afterEach(() => {
  process.stderr.write = write;
});

describe('plugins named in the config load for every command', () => {
  it('selfj sample --config with "plugins": [file] and backend "mine:x" samples from that plugin', async () => {
    const cfg = join(dir, 'selfj.config.json');
    writeFileSync(cfg, JSON.stringify({ plugins: ['./my-backend.mjs'], backend: { id: 'mine:x', options: { tag: 'T' } } }));
    const out = join(dir, 'sample');
    expect(await main(['sample', '--config', cfg, '--input', data, '--out', out, '--quiet'])).toBe(0);
    const recs = readFileSync(join(out, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(recs.map((r) => r.key)).toEqual(['q1#0', 'q2#0', 'q3#0']);
    expect(recs[0].response).toMatch(/^answer from x seed \d+ T$/);
  });

  it('--plugin adds a plugin from the command line', async () => {
    const out = join(dir, 'sample-flag');
    expect(await main(['sample', '--plugin', pluginFile, '--backend', 'mine:y', '--input', data, '--out', out, '--quiet'])).toBe(0);
    expect(readFileSync(join(out, 'records.jsonl'), 'utf8')).toContain('answer from y');
  });

  it('an unknown scheme says which are installed and how to add one', async () => {
    expect(await main(['sample', '--backend', 'nope:z', '--input', data, '--out', join(dir, 'x'), '--quiet'])).toBe(1);
    const msg = stderr.join('');
    expect(msg).toMatch(/No plugin provides the backend scheme "nope"/);
    expect(msg).toMatch(/installed backend schemes: .*llama-cpp.*openai/);
    expect(msg).toMatch(/--plugin/);
  });
});
