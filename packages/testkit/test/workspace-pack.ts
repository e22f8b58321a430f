/**
 * Helpers for tests that install this repo's packages the way a user does: `npm pack` of workspace packages (and
 * the workspace packages they depend on), a clean environment for child npm/node processes, and a spawn that
 * collects output.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface Manifest {
  name: string;
  main?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Every workspace package: name -> directory. */
export function workspacePackages(): Map<string, string> {
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
  const out = new Map<string, string>();
  for (const pattern of root.workspaces) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(REPO, pattern.slice(0, -2)), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(REPO, pattern.slice(0, -2), d.name))
      : [join(REPO, pattern)];
    for (const dir of dirs) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) out.set((JSON.parse(readFileSync(file, 'utf8')) as Manifest).name, dir);
    }
  }
  return out;
}

/** `names` and every workspace package they need at run time (dependencies, peer and optional), transitively. */
export function withWorkspaceDeps(names: string[], workspace = workspacePackages()): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const dir = workspace.get(name);
    if (!dir) throw new Error(`${name} is not a workspace package`);
    seen.add(name);
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies, ...m.optionalDependencies })) if (workspace.has(dep)) visit(dep);
  };
  names.forEach(visit);
  return [...seen].sort();
}

/** The environment of a user's shell: without what npm, Nx and vitest set for the process running this test. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|NX_|VITEST|TEST$|NODE_ENV$|INIT_CWD$)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    // its own process group, so a timeout ends install scripts and builds it started too
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export const tail = (r: RunResult, lines = 30) => `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-lines).join('\n');

/** Packs workspace packages with one `npm pack`; returns name -> tarball path. */
export async function packWorkspace(names: string[], dest: string): Promise<Map<string, string>> {
  const workspace = workspacePackages();
  for (const name of names) {
    const dir = workspace.get(name)!;
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const entry = join(dir, m.main ?? 'dist/index.js');
    if (!existsSync(entry)) throw new Error(`${name} is not built (${entry} is missing): run \`npm run build\` first.`);
  }
  const r = await run('npm', ['pack', '--json', '--pack-destination', dest, ...names.map((n) => `--workspace=${n}`)], REPO, userEnv(), 180_000);
  if (r.code !== 0) throw new Error(`npm pack failed:\n${tail(r)}`);
  const packed = JSON.parse(r.stdout) as { name: string; filename: string }[];
  return new Map(packed.map((p) => [p.name, join(dest, p.filename)]));
}
