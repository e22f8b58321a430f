/** Glob patterns (`*`, `**`, `?`, `[abc]`, `{a,b}`) for file selection, locally and inside Hub repos. */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export function hasGlob(p: string): boolean {
  return /[*?[{]/.test(p);
}

export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*'; // "**/" also matches no folder at all
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = pattern.indexOf('}', i + 1);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${pattern.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchGlob(pattern: string, path: string): boolean {
  return globToRegExp(pattern).test(path);
}

/** Expands a local pattern to the matching files (sorted); a plain path is returned as is. */
export async function expandLocal(pattern: string): Promise<string[]> {
  if (!hasGlob(pattern)) return [pattern];
  const parts = pattern.split('/');
  const firstGlob = parts.findIndex(hasGlob);
  const base = parts.slice(0, firstGlob).join('/') || (pattern.startsWith('/') ? '/' : '.');
  const rest = parts.slice(firstGlob).join('/');
  const re = globToRegExp(rest);
  let entries: Dirent[];
  try {
    entries = await readdir(base, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  const prefix = base === '.' && !pattern.startsWith('./') ? '' : `${base.replace(/\/$/, '')}/`;
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(base, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((r) => re.test(r))
    .map((r) => `${prefix}${r}`)
    .sort();
}
