/** Where the Hugging Face Hub cache lives and how repos are laid out in it (same rules as Python's huggingface_hub). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export type RepoType = 'model' | 'dataset' | 'space';

/** HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE (legacy), else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  return join(hfHome(env), 'hub');
}

/** HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. */
export function hfHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME) return env.HF_HOME;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

/** `models--owner--name`, `datasets--owner--name`, `spaces--owner--name`. */
export function repoFolderName(repo: string, repoType: RepoType): string {
  return [`${repoType}s`, ...repo.split('/')].join('--');
}

/**
 * True when HF_HUB_OFFLINE (or the older TRANSFORMERS_OFFLINE / HF_DATASETS_OFFLINE for datasets) says so: "1",
 * "true", "yes" or "on", any case. As in huggingface_hub, a set HF_HUB_OFFLINE decides over TRANSFORMERS_OFFLINE
 * (HF_HUB_OFFLINE=0 stays online); HF_DATASETS_OFFLINE, read by the datasets library, turns it on as well.
 */
export function isOfflineEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase());
  return on(env.HF_HUB_OFFLINE || env.TRANSFORMERS_OFFLINE) || on(env.HF_DATASETS_OFFLINE);
}

export const COMMIT_RE = /^[0-9a-f]{40}$/;

/** Validates a repo id ("owner/name" or a bare "name") so it cannot escape the cache folder. */
export function checkRepoId(repo: string): boolean {
  return /^[\w.-]+(\/[\w.-]+)?$/.test(repo) && !repo.split('/').some((p) => p === '.' || p === '..');
}

/** A repo-relative file path that stays inside the snapshot folder. */
export function checkRelativePath(path: string): boolean {
  if (!path || path.startsWith('/') || path.includes('\\') || /^[a-zA-Z]:/.test(path)) return false;
  return !path.split('/').some((p) => p === '..' || p === '.' || p === '');
}
