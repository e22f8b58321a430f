/**
 * Reading fields out of a row: dotted paths (`instances.0.output`, `answers.text.0`) and templates
 * (`"{instruction}\n\n{input?}"`). A key that itself contains dots (CSV headers) is matched whole first.
 */
export const MISSING = Symbol('missing');

export function getPath(obj: unknown, path: string): unknown {
  if (obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, path)) return (obj as Record<string, unknown>)[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return MISSING;
    if (Array.isArray(cur)) {
      const i = Number(part);
      if (!Number.isInteger(i)) return MISSING;
      cur = cur[i < 0 ? cur.length + i : i];
    } else {
      if (!Object.prototype.hasOwnProperty.call(cur, part)) return MISSING;
      cur = (cur as Record<string, unknown>)[part];
    }
    if (cur === undefined) return MISSING;
  }
  return cur;
}

/** Text of a value: strings as written, numbers/booleans/bigints printed; null and missing are absent; objects are not text. */
export function asText(v: unknown): string | null | typeof MISSING | { notText: string } {
  if (v === MISSING || v === undefined) return MISSING;
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return { notText: Array.isArray(v) ? 'a list' : 'an object' };
}

export interface TemplatePart {
  literal?: string;
  path?: string;
  optional?: boolean;
}

/** `"Q: {question}\n{context?}"` -> parts; `{{` and `}}` are literal braces. */
export function parseTemplate(t: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const re = /\{\{|\}\}|\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    if (m.index > last) parts.push({ literal: t.slice(last, m.index) });
    if (m[0] === '{{' || m[0] === '}}') parts.push({ literal: m[0][0] });
    else {
      const raw = m[1].trim();
      parts.push({ path: raw.replace(/\?$/, ''), optional: raw.endsWith('?') });
    }
    last = re.lastIndex;
  }
  if (last < t.length) parts.push({ literal: t.slice(last) });
  return parts;
}

/** Top-level field names a path or template needs (to read only those Parquet columns). */
export function rootsOf(paths: string[]): string[] {
  return [...new Set(paths.flatMap((p) => [p, p.split('.')[0]]))];
}
