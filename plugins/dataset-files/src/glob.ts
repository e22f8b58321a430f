/**
 * Glob patterns (`*`, `**`, `?`, `[abc]`, `{a,b}`) for file selection, locally (tinyglobby) and inside Hub repos
 * (picomatch against the repo's file list). `**` also matches no folder at all, `*` never crosses a `/`.
 */
import picomatch from 'picomatch';
import { isAbsolute } from 'node:path';
import { glob } from 'tinyglobby';

export function hasGlob(p: string): boolean {
  return picomatch.scan(p).isGlob;
}

export function globToRegExp(pattern: string): RegExp {
  return picomatch.makeRe(pattern, { dot: true });
}

export function matchGlob(pattern: string, path: string): boolean {
  return picomatch(pattern, { dot: true })(path);
}

/** Expands a local pattern to the matching files (sorted); a plain path is returned as is. */
export async function expandLocal(pattern: string): Promise<string[]> {
  if (!hasGlob(pattern)) return [pattern];
  const absolute = isAbsolute(pattern);
  const files = await glob(pattern, { onlyFiles: true, dot: true, expandDirectories: false, absolute });
  // Relative patterns answer relative to the cwd, in the caller's spelling ("./x" stays "./x").
  const prefix = !absolute && pattern.startsWith('./') ? './' : '';
  return files.map((f) => (absolute || f.startsWith('.') ? f : `${prefix}${f}`)).sort();
}
