/**
 * The "copy one folder" promise, tested end to end, outside this workspace: @selfj/core, @selfj/testkit and the
 * `selfj` CLI (with its workspace dependencies) are packed with `npm pack`; templates/plugin is copied to a temp
 * directory; it installs from those tarballs (everything else from the npm registry, into an empty npm cache),
 * builds, and passes the kit's suites under its own vitest, with the unclaimed capability checks reported as
 * skipped with their reasons. Then a selfj project installs the CLI and the packed plugin, `selfj plugins` lists
 * it, and `selfj sample --config` with the plugin in "plugins" samples from its toy model, the same way twice.
 * Native kernels: the TypeScript ones (SELFJ_NATIVE_BACKEND=js), so no addon build is needed there.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, packWorkspace, run, tail, userEnv, withWorkspaceDeps } from './workspace-pack.js';

const work = mkdtempSync(join(tmpdir(), 'selfj-copy-one-folder-'));
const packs = join(work, 'packs');
const pluginDir = join(work, 'my-plugin');
const appDir = join(work, 'app');
const env = userEnv({
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  SELFJ_NATIVE_BACKEND: 'js',
  CI: 'true',
  FORCE_COLOR: '0',
});
const node = process.execPath;
const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
// The selfj project: this check never opens a llama.cpp model, so node-llama-cpp's prebuilt binaries (optional
// dependencies, ~700 MB with the CUDA ones) are left out, and with them its install script, which would otherwise
// build llama.cpp from source for many minutes. @selfj/native's install script is skipped too (TypeScript kernels).
const INSTALL_APP = [...INSTALL, '--omit=optional', '--ignore-scripts'];

// ~370 MB of node_modules: removed afterwards unless SELFJ_KEEP_TEST_DIRS=1 (to look at what happened).
afterAll(async () => {
  if (process.env.SELFJ_KEEP_TEST_DIRS !== '1') await rm(work, { recursive: true, force: true });
}, 180_000);

let tarballs = new Map<string, string>();
const state = { installed: false, built: false, packedPlugin: '', app: false };

/** A package.json's dependencies on packed workspace packages point at the tarballs, transitive ones by override. */
function useTarballs(manifest: Record<string, unknown>, field: 'dependencies' | 'devDependencies', direct: string[]): void {
  const deps = { ...(manifest[field] as Record<string, string> | undefined) };
  for (const name of direct) deps[name] = `file:${tarballs.get(name)}`;
  manifest[field] = deps;
  manifest.overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, direct.includes(name) ? `$${name}` : `file:${tarballs.get(name)}`]));
}

describe('copy one folder (slow e2e, ~2 min): templates/plugin outside the workspace, from npm-packed selfj packages', () => {
  it('packs @selfj/core, @selfj/testkit, @selfj/cli and the workspace packages they need', async () => {
    expect(relative(REPO, work).startsWith('..'), `${work} must be outside ${REPO}`).toBe(true);
    mkdirSync(packs);
    const names = withWorkspaceDeps(['@selfj/core', '@selfj/testkit', '@selfj/cli']);
    expect(names).toEqual(expect.arrayContaining(['@selfj/core', '@selfj/testkit', '@selfj/cli', '@selfj/native']));
    tarballs = await packWorkspace(names, packs);
    expect([...tarballs.keys()].sort()).toEqual(names);
    for (const t of tarballs.values()) expect(existsSync(t), t).toBe(true);
  }, 200_000);

  it('the copied template installs from the tarballs with an empty npm cache', async (ctx) => {
    if (!tarballs.size) ctx.skip('the packing above failed');
    cpSync(join(REPO, 'templates', 'plugin'), pluginDir, { recursive: true, filter: (src) => !['node_modules', 'dist'].includes(basename(src)) && !src.endsWith('.tgz') });
    const manifestFile = join(pluginDir, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
    expect(manifest.devDependencies).toMatchObject({ '@selfj/core': expect.any(String), '@selfj/testkit': expect.any(String), vitest: expect.any(String) });
    useTarballs(manifest, 'devDependencies', ['@selfj/core', '@selfj/testkit']);
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const r = await run('npm', INSTALL, pluginDir, env, 240_000);
    expect(r.code, tail(r)).toBe(0);
    // Installed copies, not links into the workspace:
    for (const pkg of ['@selfj/core', '@selfj/testkit', 'vitest']) expect(existsSync(join(pluginDir, 'node_modules', pkg, 'package.json')), pkg).toBe(true);
    expect(readFileSync(join(pluginDir, 'node_modules', '@selfj', 'testkit', 'dist', 'index.js'), 'utf8')).toContain('runBackendConformance');
    state.installed = true;
  }, 300_000);

  it('builds with its own TypeScript', async (ctx) => {
    if (!state.installed) ctx.skip('the install above failed');
    const r = await run('npm', ['run', 'build'], pluginDir, env, 120_000);
    expect(r.code, tail(r)).toBe(0);
    expect(existsSync(join(pluginDir, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(pluginDir, 'dist', 'index.d.ts'))).toBe(true);
    state.built = true;
  }, 150_000);

  it('passes the kit under its own vitest; the unclaimed capability checks are skipped with their reasons', async (ctx) => {
    if (!state.built) ctx.skip('the build above failed');
    const report = join(work, 'kit-report.json');
    const vitest = join(pluginDir, 'node_modules', 'vitest', 'vitest.mjs');
    const r = await run(node, [vitest, 'run', '--reporter=verbose', '--reporter=json', `--outputFile.json=${report}`], pluginDir, env, 120_000);
    expect(r.code, tail(r, 60)).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      numFailedTests: number;
      numPassedTests: number;
      testResults: { assertionResults: { title: string; status: string; meta?: { skipReason?: string } }[] }[];
    };
    expect(json.numFailedTests).toBe(0);
    expect(json.numPassedTests).toBeGreaterThanOrEqual(15);
    const results = json.testResults.flatMap((f) => f.assertionResults);
    const skipped = results.filter((t) => t.status === 'skipped');
    const reasons = Object.fromEntries(skipped.map((t) => [t.title, t.meta?.skipReason]));
    expect(reasons).toMatchObject({
      'features: one finite vector per prompt, the same alone and in a batch, different for different prompts': 'capabilities().features is false (no hidden-state features)',
      'embed: one finite vector per text, the same for the same text': 'capabilities().embeddings is false (no embeddings)',
      'top-k answers are at most k, most likely first, and sub-normalised': 'only for logprobs "topK"; the backend declares "full"',
    });
    for (const [title, reason] of Object.entries(reasons)) expect(reason, `${title}: skipped without a reason`).toMatch(/\w{4,}/);
    // the checks the toy model does claim ran and passed
    for (const title of ['the next-token distribution sums to 1 over the full vocabulary and agrees with the candidate probabilities', 'close() is idempotent, and a call after close fails with a SelfjError']) {
      expect(results.find((t) => t.title === title)?.status, title).toBe('passed');
    }
    // and the human report shows each reason beside its skipped check
    expect(r.stdout).toContain('[capabilities().features is false (no hidden-state features)]');
  }, 150_000);

  it('npm pack of the plugin, installed with the selfj CLI in a project', async (ctx) => {
    if (!state.built) ctx.skip('the build above failed');
    const p = await run('npm', ['pack', '--json', '--pack-destination', packs], pluginDir, env, 120_000);
    expect(p.code, tail(p)).toBe(0);
    state.packedPlugin = join(packs, (JSON.parse(p.stdout) as { filename: string }[])[0].filename);
    mkdirSync(appDir);
    const app: Record<string, unknown> = { name: 'my-selfj-project', version: '1.0.0', private: true, type: 'module', dependencies: { 'selfj-plugin-example': `file:${state.packedPlugin}` } };
    useTarballs(app, 'dependencies', ['@selfj/cli', '@selfj/core']);
    writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(app, null, 2)}\n`);
    const r = await run('npm', INSTALL_APP, appDir, env, 300_000);
    expect(r.code, tail(r)).toBe(0);
    // one copy of @selfj/core, shared by the CLI and the plugin (its peer dependency)
    expect(existsSync(join(appDir, 'node_modules', 'selfj-plugin-example', 'node_modules', '@selfj', 'core'))).toBe(false);
    state.app = true;
  }, 360_000);

  it('selfj plugins lists it, and selfj sample --config with it in "plugins" samples from its model, reproducibly', async (ctx) => {
    if (!state.app) ctx.skip('the project install above failed');
    const selfj = join(appDir, 'node_modules', '@selfj', 'cli', 'bin', 'selfj.js');
    cpSync(join(REPO, 'templates', 'plugin', 'selfj.config.json'), join(appDir, 'selfj.config.json'));
    const config = JSON.parse(readFileSync(join(appDir, 'selfj.config.json'), 'utf8')) as { plugins: string[]; backend: { id: string }; sample: { samples: number } };
    expect(config.plugins).toEqual(['selfj-plugin-example']);

    const listed = await run(node, [selfj, 'plugins', '--config', 'selfj.config.json', '--json'], appDir, env, 60_000);
    expect(listed.code, tail(listed)).toBe(0);
    const kinds = (JSON.parse(listed.stdout) as { kinds: Record<string, { scheme: string; plugin: string }[]> }).kinds;
    expect(kinds.backends).toContainEqual(expect.objectContaining({ scheme: 'example', plugin: 'selfj-plugin-example' }));

    const data = ['Name the capital of France.', 'What is 2 plus 3?', 'Write a short greeting.', 'Describe a cat.', 'Give a colour.'];
    writeFileSync(join(appDir, 'data.jsonl'), data.map((instruction, i) => JSON.stringify({ id: `q${i}`, instruction, reference: 'A short answer.' })).join('\n') + '\n');
    const outs: string[] = [];
    for (const out of ['out/a', 'out/b']) {
      const r = await run(node, [selfj, 'sample', '--config', 'selfj.config.json', '--input', 'data.jsonl', '--out', out, '--quiet'], appDir, env, 120_000);
      expect(r.code, tail(r)).toBe(0);
      outs.push(readFileSync(join(appDir, out, 'records.jsonl'), 'utf8'));
    }
    const records = outs[0].trim().split('\n').map((l) => JSON.parse(l) as { key: string; response: string });
    expect(records.map((r) => r.key).sort()).toEqual(data.flatMap((_, i) => Array.from({ length: config.sample.samples }, (__, s) => `q${i}#${s}`)).sort());
    for (const r of records) expect(typeof r.response).toBe('string');
    expect(records.some((r) => r.response.length > 0), 'the toy model said something').toBe(true);
    const manifest = readFileSync(join(appDir, 'out/a', 'manifest.json'), 'utf8');
    expect(manifest).toContain('example:builtin');
    expect(outs[1], 'the same config and seed give the same samples').toBe(outs[0]);
  }, 300_000);
});
