/**
 * Which addon files the loader may use, in order, and whether each one is safe to load: SELFJ_NATIVE_PATH alone
 * when set; else the prebuilt shipped in the package (prebuilds/<platform>-<arch>/selfj_native-v<version>-napi8.node,
 * the rule of scripts/prebuilt.mjs), then a local build (build/Release/selfj_native.node). Each file is first loaded
 * in a child process (scripts/verify-addon.mjs), because a binary built for another CPU or C library can kill the
 * process that loads it; the verdict is cached per file, Node ABI and CPU, so this costs one child per new file.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatchCacheDir } from './dispatch-cache.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Candidate {
  file: string;
  /** How it was found: SELFJ_NATIVE_PATH, prebuilt or local build. */
  kind: 'env' | 'prebuilt' | 'build';
}

export interface Failure {
  candidate: Candidate;
  reason: string;
  /** Signal that killed the test load (SIGILL: an instruction this CPU lacks). */
  signal?: string;
}

/** The prebuilt for this platform and package version (SELFJ_NATIVE_PREBUILDS moves the prebuilds directory). */
export function prebuiltPath(): string {
  const { version } = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  const dir = process.env.SELFJ_NATIVE_PREBUILDS ? path.resolve(process.env.SELFJ_NATIVE_PREBUILDS) : path.join(PACKAGE_ROOT, 'prebuilds');
  return path.join(dir, `${process.platform}-${process.arch}`, `selfj_native-v${version}-napi8.node`);
}

export function localBuildPath(): string {
  return path.join(PACKAGE_ROOT, 'build', 'Release', 'selfj_native.node');
}

export function candidates(): Candidate[] {
  const override = process.env.SELFJ_NATIVE_PATH;
  if (override) return [{ file: path.resolve(override), kind: 'env' }];
  return [{ file: prebuiltPath(), kind: 'prebuilt' }, { file: localBuildPath(), kind: 'build' }];
}

interface Verdict {
  id: string;
  ok: boolean;
  reason?: string;
  signal?: string;
  /** SHA-256 of the file (the dispatch cache is keyed by content, so copies of one build share a choice). */
  sha256?: string;
}

const verdictFile = () => path.join(dispatchCacheDir(), 'native-verified.json');

function readVerdicts(): Record<string, Verdict> {
  try {
    return JSON.parse(readFileSync(verdictFile(), 'utf8')) as Record<string, Verdict>;
  } catch {
    return {};
  }
}

function saveVerdict(file: string, v: Verdict): void {
  try {
    const all = { ...readVerdicts(), [file]: v };
    mkdirSync(path.dirname(verdictFile()), { recursive: true });
    const tmp = `${verdictFile()}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 1));
    renameSync(tmp, verdictFile());
  } catch {
    // an unwritable cache only means the next process tests the file again
  }
}

function verdictId(file: string): string {
  const st = statSync(file);
  return [st.size, Math.round(st.mtimeMs), process.versions.modules, process.arch, os.cpus()[0]?.model ?? ''].join(':');
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * SHA-256 of an addon file: from its verdict when the file is unchanged (hashing 4 MB costs ~10 ms of CPU), else
 * computed (and remembered when the file has a verdict).
 */
export function addonDigest(file: string): string {
  let id: string | undefined;
  try {
    id = verdictId(file);
    const v = readVerdicts()[file];
    if (v?.id === id && v.sha256) return v.sha256;
    const digest = sha256(file);
    if (v?.id === id) saveVerdict(file, { ...v, sha256: digest });
    return digest;
  } catch {
    return 'unknown'; // unreadable: loaded all the same, so one shared key is the best that can be done
  }
}

/** Loads `file` in a child process (cached verdict); SELFJ_NATIVE_VERIFY=0 skips the child and trusts the file. */
export function verifyCandidate(c: Candidate): Failure | null {
  if (!existsSync(c.file)) return { candidate: c, reason: `${c.file} does not exist` };
  if (process.env.SELFJ_NATIVE_VERIFY === '0') return null;
  let id: string;
  try {
    id = verdictId(c.file);
  } catch (e) {
    return { candidate: c, reason: `${c.file} cannot be read: ${(e as Error).message}` };
  }
  const cached = readVerdicts()[c.file];
  if (cached?.id === id) return cached.ok ? null : { candidate: c, reason: cached.reason ?? 'failed before', signal: cached.signal };
  const r = spawnSync(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', 'verify-addon.mjs'), c.file],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SELFJ_NATIVE_THREADS: '1' } });
  let v: Verdict;
  try {
    const out = JSON.parse(r.stdout) as { ok: boolean; reason?: string };
    v = { id, ok: out.ok === true && r.status === 0, reason: out.reason ?? (r.status !== 0 ? `the test load exited with ${r.status}` : undefined) };
    if (v.ok) v.sha256 = sha256(c.file);
  } catch {
    const last = `${r.stderr ?? ''}`.trim().split('\n').filter(Boolean).pop();
    const how = r.signal ? `was killed by ${r.signal}${r.signal === 'SIGILL' ? ' (an instruction this CPU does not have)' : ''}`
      : r.error ? `could not run: ${r.error.message}` : `exited with ${r.status}`;
    v = { id, ok: false, reason: `loading ${c.file} in a child process ${how}${last ? `: ${last}` : ''}`, ...(r.signal ? { signal: r.signal } : {}) };
  }
  saveVerdict(c.file, v);
  return v.ok ? null : { candidate: c, reason: v.reason ?? 'failed', signal: v.signal };
}

/** sharp-style solutions for the failures actually seen. */
export function solutionsFor(failures: Failure[]): string[] {
  const all = failures.map((f) => `${f.reason} ${f.signal ?? ''}`).join('\n');
  const out: string[] = [];
  if (/SIGILL/.test(all)) out.push('The binary uses instructions this CPU lacks: build it from source here (see below)');
  if (/GLIBC_|GLIBCXX_|version `/.test(all)) out.push('The binary needs a newer C library than this system has: build it from source here (see below)');
  if (/NODE_MODULE_VERSION|did not self-register|invalid ELF|wrong ELF class|not a dynamic executable/.test(all)) {
    out.push(`The binary was built for another Node.js or platform (this is Node ${process.version}, ${process.platform}-${process.arch}): rebuild it`);
  }
  if (failures.some((f) => f.candidate.kind === 'prebuilt' && /does not exist/.test(f.reason))) {
    out.push(`No prebuilt for ${process.platform}-${process.arch} ships in this package: build from source`);
  }
  out.push(
    'Build from source: npm rebuild @selfj/native (npm 11 runs dependency install scripts only once approved: ' +
      'npm install-scripts approve @selfj/native); in the selfj repository: npm run build:addon -w @selfj/native',
    'Building needs cmake (>= 3.18), a C++17 compiler (g++ or clang++) and the optional dependencies cmake-js and node-addon-api',
    'Point SELFJ_NATIVE_PATH at a working selfj_native.node',
    'Set SELFJ_NATIVE_BACKEND=js to use the TypeScript kernels without this warning (SELFJ_NATIVE_WARN=0 silences it too)',
  );
  return out;
}
