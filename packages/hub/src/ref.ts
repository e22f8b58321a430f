/**
 * Hub references in huggingface_hub's HfFileSystem form:
 *   hf://[datasets/|spaces/|models/]owner/name[@revision][/path/in/repo]
 * A revision holding "/" is written URL-encoded (refs%2Fpr%2F1), as HfFileSystem does. `hf:owner/name/...` (one
 * colon, the form inside backend ids such as `llama-cpp:hf:...`) is accepted too.
 */
import { SelfjError } from '@selfj/core';
import type { RepoType } from './paths.js';

export interface HubRef {
  repoType: RepoType;
  repo: string;
  revision?: string;
  /** Path (or glob) inside the repo; '' when absent. */
  path: string;
}

export function parseHubRef(ref: string): HubRef {
  const m = /^hf:(?:\/\/)?(?:(datasets|spaces|models)\/)?([\w.-]+)\/([\w.-]+)(?:@([^/]+))?(?:\/(.*))?$/.exec(ref.trim());
  if (!m) {
    throw new SelfjError('BAD_INPUT', `"${ref}" is not a Hub reference.`, {
      solutions: ['Use hf://datasets/<owner>/<name>[@revision][/path] or hf://<owner>/<model>[@revision]/<file>.'],
    });
  }
  const repoType: RepoType = m[1] === 'datasets' ? 'dataset' : m[1] === 'spaces' ? 'space' : 'model';
  return {
    repoType,
    repo: `${m[2]}/${m[3]}`,
    revision: m[4] ? decodeURIComponent(m[4]) : undefined,
    path: m[5] ?? '',
  };
}
