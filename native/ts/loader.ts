/**
 * Backend loader (a chain like sharp's): SELFJ_NATIVE_BACKEND=js|cpu|cuda forces a backend; the addon comes from
 * SELFJ_NATIVE_PATH, else the prebuilt shipped in the package, else a local build (see candidates.ts; each file is
 * first loaded in a child process). No usable addon gives ONE process warning naming each file's real failure and the
 * possible solutions (silence with SELFJ_NATIVE_WARN=0 or SELFJ_NATIVE_BACKEND=js), then the TS reference.
 */
import { createRequire } from 'node:module';
import { candidates, localBuildPath, solutionsFor, verifyCandidate, type Failure } from './candidates.js';
import { TUNE_VALUES, applyDispatch, tuneMode } from './dispatch.js';
import type { BackendName, DispatchInfo, RawAddon } from './types.js';

export type { RawAddon } from './types.js';

export interface LoadedBackend {
  backend: BackendName;
  addon: RawAddon | null;
  addonPath?: string;
  fallbackReason?: string;
  dispatch?: DispatchInfo;
}

const REQUIRED = ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep', 'info', 'setThreads'] as const;
const WARNED = Symbol.for('selfj.native.warned');

/** The local build's location: <package>/build/Release/selfj_native.node (same from ts/ and dist/). */
export function defaultAddonPath(): string {
  return localBuildPath();
}

/** Loads an addon file; returns it or the reason it is unusable (never throws). */
export function tryLoadAddon(file: string): { addon: RawAddon } | { error: string } {
  try {
    const req = createRequire(import.meta.url);
    const mod = req(file) as Partial<RawAddon> | null;
    const missing = REQUIRED.filter((k) => typeof (mod as Record<string, unknown> | null)?.[k] !== 'function');
    if (missing.length) return { error: `${file} loaded but lacks ${missing.join(', ')} (not a selfj addon or stale build)` };
    return { addon: mod as RawAddon };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { error: `${file} could not be loaded: ${msg}` };
  }
}

/** Emits each kind of loader warning once per process (even if this module is loaded twice, from ts/ and dist/). */
export function warnOnce(kind: 'fallback' | 'cuda' | 'env' | 'tune', message: string): void {
  const g = globalThis as Record<symbol, Set<string> | undefined>;
  g[WARNED] ??= new Set<string>();
  const seen = g[WARNED];
  if (seen.has(kind) || process.env.SELFJ_NATIVE_WARN === '0') return;
  seen.add(kind);
  process.emitWarning(message, { type: 'SelfjNativeWarning', code: `SELFJ_NATIVE_${kind.toUpperCase()}` });
}

function fallbackMessage(failures: Failure[]): string {
  const tried = failures.map((f) => `- ${f.candidate.kind === 'env' ? `SELFJ_NATIVE_PATH=${process.env.SELFJ_NATIVE_PATH}: ` : ''}${f.reason}`);
  return `@selfj/native: using the TypeScript reference kernels (slower). No usable native addon:\n${tried.join('\n')}\n` +
    `Possible solutions:\n${solutionsFor(failures).map((s) => `- ${s}`).join('\n')}`;
}

function requestedBackend(): BackendName | 'auto' {
  const v = (process.env.SELFJ_NATIVE_BACKEND ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'js' || v === 'cpu' || v === 'cuda') return v;
  warnOnce('env', `@selfj/native: ignoring SELFJ_NATIVE_BACKEND=${v} (expected js, cpu or cuda); choosing automatically.`);
  return 'auto';
}

/** Runs the chain once; the public API caches the result. */
export function loadBackend(): LoadedBackend {
  const want = requestedBackend();
  if (want === 'js') return { backend: 'js', addon: null, fallbackReason: 'SELFJ_NATIVE_BACKEND=js' };
  const failures: Failure[] = [];
  let loaded: { addon: RawAddon; file: string } | null = null;
  for (const c of candidates()) {
    const bad = verifyCandidate(c);
    if (bad) { failures.push(bad); continue; }
    const r = tryLoadAddon(c.file);
    if ('error' in r) { failures.push({ candidate: c, reason: r.error }); continue; }
    loaded = { addon: r.addon, file: c.file };
    break;
  }
  if (!loaded) {
    const forced = want === 'auto' ? '' : ` (SELFJ_NATIVE_BACKEND=${want} needs the addon)`;
    if (forced) failures[failures.length - 1].reason += forced;
    warnOnce('fallback', fallbackMessage(failures));
    return { backend: 'js', addon: null, fallbackReason: failures.map((f) => f.reason).join('; ') };
  }
  const { file } = loaded;
  const addon = loaded.addon;
  let info: ReturnType<RawAddon['info']>;
  try {
    info = addon.info();
  } catch (e) {
    const reason = `${file} loaded but info() failed: ${e instanceof Error ? e.message : String(e)}`;
    warnOnce('fallback', fallbackMessage([{ candidate: { file, kind: 'build' }, reason }]));
    return { backend: 'js', addon: null, fallbackReason: reason };
  }
  const tune = tuneMode();
  if (typeof tune === 'object') {
    warnOnce('tune', `@selfj/native: ignoring SELFJ_NATIVE_TUNE=${tune.invalid} (expected ${TUNE_VALUES}); using the cached ISA choice.`);
  }
  const dispatch = applyDispatch(addon, file);
  const setBackend = (name: 'cpu' | 'cuda'): boolean => {
    try {
      return typeof addon.setBackend === 'function' ? addon.setBackend(name) !== false : name === 'cpu';
    } catch {
      return false;
    }
  };
  if (want === 'cuda' || (want === 'auto' && info.cudaCompiled && info.cudaDevice)) {
    if (setBackend('cuda')) return { backend: 'cuda', addon, addonPath: file, dispatch };
    const reason = info.cudaCompiled ? 'no usable CUDA device' : 'the addon was built without CUDA';
    if (want === 'cuda') {
      warnOnce('cuda', `@selfj/native: SELFJ_NATIVE_BACKEND=cuda requested but ${reason}; using the CPU kernels.\n` +
        'Possible solutions:\n- Run on a machine with an NVIDIA GPU and driver\n' +
        '- Rebuild with the CUDA toolkit installed: npm run build:addon -w @selfj/native\n' +
        '- Set SELFJ_NATIVE_BACKEND=cpu to choose the CPU kernels without this warning');
    }
    setBackend('cpu');
    return { backend: 'cpu', addon, addonPath: file, dispatch, fallbackReason: want === 'cuda' ? reason : undefined };
  }
  setBackend('cpu');
  return { backend: 'cpu', addon, addonPath: file, dispatch };
}
