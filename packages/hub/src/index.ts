/** @selfj/hub: Hugging Face Hub downloads into the standard Hub cache, shared with Python's huggingface_hub. */
export { hubCacheDir, hfHome, repoFolderName, isOfflineEnv, type RepoType } from './paths.js';
export { resolveToken, redact } from './token.js';
export { DEFAULT_HUB_URL, resolveHubUrl } from './http.js';
export {
  downloadToCache,
  resolveRepoOptions,
  type DownloadOptions,
  type DownloadResult,
  type HubRepoOptions,
  type Progress,
} from './download.js';
export { listRepoFiles, listCachedFiles, missingFromCache, resolveRevision, type ListOptions, type RepoFile } from './list.js';
export { RepoCache } from './cache.js';
export { parseHubRef, type HubRef } from './ref.js';
