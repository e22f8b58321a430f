/** `hf://datasets/<owner>/<name>[@revision][/<file pattern>]` (also `hf:datasets/...` as the plugin registry passes it). */
import { SelfjError } from '@selfj/core';
import { parseHubRef } from '@selfj/hub';

export interface HfSource {
  repo: string;
  revision?: string;
  /** A glob inside the repo, when the source names one. */
  pattern?: string;
  /** Canonical name without revision: `hf://datasets/<owner>/<name>`. */
  name: string;
}

export function parseHfSource(source: string): HfSource {
  const s = source.trim().replace(/^hf:(?!\/\/)/, 'hf://');
  let ref: ReturnType<typeof parseHubRef> | undefined;
  try {
    ref = parseHubRef(s);
  } catch {
    ref = undefined;
  }
  if (!ref || ref.repoType !== 'dataset' || !s.startsWith('hf://datasets/')) {
    throw new SelfjError('BAD_CONFIG', `"${source}" is not a Hugging Face data set source.`, {
      solutions: ['Write it as hf://datasets/<owner>/<name>[@revision], e.g. hf://datasets/tatsu-lab/alpaca or hf://datasets/org/set@v1.0.'],
    });
  }
  return { repo: ref.repo, revision: ref.revision, pattern: ref.path || undefined, name: `hf://datasets/${ref.repo}` };
}
