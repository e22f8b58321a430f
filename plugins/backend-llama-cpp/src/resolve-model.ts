/**
 * Which GGUF to load. Order: an explicit path; an `hf:` hub reference (downloaded into the Hugging Face cache);
 * env SELFJ_MODEL; the default model from the Hub (DEFAULT_MODEL). When the Hub cannot be reached (offline), an
 * OFFLINE error says how to name a local model instead.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SelfjError, isSelfjError } from '@selfj/core';
import { downloadToCache, type Progress } from '@selfj/hub';

/** The default model for users: Qwen2.5-0.5B-Instruct, Q4_K_M (~400 MB, Apache-2.0, chat template, 32k context). */
export const DEFAULT_MODEL = Object.freeze({
  repo: 'Qwen/Qwen2.5-0.5B-Instruct-GGUF',
  file: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
});

/** The real 260K-parameter test model (MIT): Hub ggml-org/models, tinyllamas/stories260K.gguf. */
export const TEST_MODEL = Object.freeze({ repo: 'ggml-org/models', file: 'tinyllamas/stories260K.gguf' });

export interface HubFileRef {
  repo: string;
  file: string;
  revision?: string;
}

/**
 * Parses `hf:<owner>/<name>[@revision]/<file path>` and huggingface_hub's `hf://<owner>/<name>[@revision]/<file>`.
 * Returns undefined for anything else (a local path).
 */
export function parseHfModelRef(spec: string): HubFileRef | undefined {
  const m = /^hf:(?:\/\/)?(?:models\/)?([\w.-]+\/[\w.-]+)(?:@([^/]+))?\/(.+)$/.exec(spec.trim());
  if (!m) {
    if (/^hf:/.test(spec.trim())) {
      throw new SelfjError('BAD_INPUT', `"${spec}" is not a Hub model reference.`, {
        solutions: ['Write hf:<owner>/<repo>/<file.gguf>, e.g. hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf'],
      });
    }
    return undefined;
  }
  return { repo: m[1], revision: m[2] ? decodeURIComponent(m[2]) : undefined, file: m[3] };
}

export interface ResolveModelOptions {
  env?: NodeJS.ProcessEnv;
  /** Hub endpoint (default HF_ENDPOINT or https://huggingface.co); tests point it at a loopback server. */
  hubUrl?: string;
  cacheDir?: string;
  offline?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Called with one line of explanation when a fallback is taken. */
  onNotice?: (message: string) => void;
}

export interface ResolvedModel {
  path: string;
  source: 'path' | 'hub' | 'env' | 'default';
  /** Why a fallback was used (offline), when it was. */
  note?: string;
}

async function fromHub(ref: HubFileRef, o: ResolveModelOptions): Promise<string> {
  const r = await downloadToCache({
    repo: ref.repo,
    path: ref.file,
    revision: ref.revision,
    hubUrl: o.hubUrl,
    cacheDir: o.cacheDir,
    offline: o.offline,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  return r.path;
}

function localPath(path: string): string {
  const p = resolve(path);
  if (!existsSync(p)) {
    throw new SelfjError('NOT_FOUND', `Model file not found: ${p}`, {
      solutions: [
        `Download the default model: selfj pull ${DEFAULT_MODEL.repo} ${DEFAULT_MODEL.file}`,
        'Or pass hf:<owner>/<repo>/<file.gguf> to download it on first use.',
      ],
    });
  }
  return p;
}

/** Resolves a model spec (path, hf: ref, or nothing = default) to a local GGUF path. */
export async function resolveModel(spec?: string, options: ResolveModelOptions = {}): Promise<ResolvedModel> {
  const env = options.env ?? process.env;
  if (spec && spec.trim()) {
    const ref = parseHfModelRef(spec);
    if (!ref) return { path: localPath(spec), source: 'path' };
    return { path: await fromHub(ref, options), source: 'hub' };
  }
  if (env.SELFJ_MODEL) {
    const ref = parseHfModelRef(env.SELFJ_MODEL);
    return { path: ref ? await fromHub(ref, options) : localPath(env.SELFJ_MODEL), source: 'env' };
  }
  try {
    return { path: await fromHub(DEFAULT_MODEL, options), source: 'default' };
  } catch (e) {
    if (!isSelfjError(e) || !['OFFLINE', 'NETWORK', 'HTTP_ERROR', 'TIMEOUT', 'RETRIES_EXHAUSTED'].includes(e.code)) throw e;
    throw new SelfjError('OFFLINE', `No model given and the default model ${DEFAULT_MODEL.repo}/${DEFAULT_MODEL.file} could not be fetched (${e.code}).`, {
      cause: e,
      solutions: [
        'Set SELFJ_MODEL to a local .gguf file (or hf:<owner>/<repo>/<file.gguf>), or pass a model path (--model).',
        `On a machine with network: selfj pull ${DEFAULT_MODEL.repo} ${DEFAULT_MODEL.file} (fills the Hugging Face cache).`,
      ],
    });
  }
}
