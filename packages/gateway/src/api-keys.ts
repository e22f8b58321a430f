/**
 * The gateway's API keys: several, from an environment variable (comma-separated) and/or a file (one per line,
 * "# comments"), each "key" or "name:key". A request names its key with `Authorization: Bearer <key>` (or
 * `x-api-key`); keys are compared by their sha256 in constant time, and only the key's name (or the first 8 hex
 * digits of its hash) ever reaches logs and metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SelfjError } from '@selfj/core';

export interface KeySources {
  /** Environment variable with comma-separated keys. */
  env?: string;
  /** File with one key per line. */
  file?: string;
}

interface Entry {
  name: string;
  digest: Buffer;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

function parse(text: string, where: string): { name: string; key: string }[] {
  const out: { name: string; key: string }[] = [];
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    const [name, key] = colon > 0 ? [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] : ['', line];
    if (key.length < 8) throw new SelfjError('BAD_CONFIG', `${where}: an API key must have at least 8 characters (entry ${name || out.length + 1}).`, { solutions: ['Use long random keys, e.g. `openssl rand -hex 24`'] });
    out.push({ name: name || `key-${digest(key).toString('hex').slice(0, 8)}`, key });
  }
  return out;
}

export class ApiKeys {
  private entries: Entry[] = [];
  /** The raw keys, only to keep them out of logs (redaction). */
  private raw: string[] = [];

  constructor(private readonly sources: KeySources) {
    this.reload();
  }

  /** True when requests need a key. */
  get required(): boolean {
    return this.entries.length > 0;
  }

  get count(): number {
    return this.entries.length;
  }

  /** Re-reads the sources (SIGHUP); on an error the old keys stay and the error is thrown. */
  reload(): void {
    const found: { name: string; key: string }[] = [];
    const { env, file } = this.sources;
    if (env) {
      const v = process.env[env];
      if (!v?.trim()) {
        throw new SelfjError('BAD_CONFIG', `The API key variable ${env} is empty or not set.`, { solutions: [`export ${env}=<key>[,<key>...]`, 'Or leave gateway.apiKeysEnv empty'] });
      }
      found.push(...parse(v, `$${env}`));
    }
    if (file) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new SelfjError('BAD_CONFIG', `Cannot read the API key file ${file}: ${(e as Error).message}`, { solutions: ['Check gateway.apiKeysFile / --api-keys-file'] });
      }
      const keys = parse(text, file);
      if (!keys.length) throw new SelfjError('BAD_CONFIG', `The API key file ${file} has no keys.`, { solutions: ['One key per line ("key" or "name:key")'] });
      found.push(...keys);
    }
    this.entries = found.map((k) => ({ name: k.name, digest: digest(k.key) }));
    this.raw = found.map((k) => k.key);
  }

  /** The key's name when `presented` is one of the keys, else undefined. */
  check(presented: string | undefined): string | undefined {
    if (!presented) return undefined;
    const d = digest(presented);
    let hit: string | undefined;
    // Every entry is compared, so the time does not say which one matched.
    for (const e of this.entries) if (timingSafeEqual(d, e.digest) && hit === undefined) hit = e.name;
    return hit;
  }

  /** The keys themselves, for redaction of anything logged. */
  secrets(): readonly string[] {
    return this.raw;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  if (m) return m[1].trim();
  const x = headers['x-api-key'];
  return typeof x === 'string' && x.trim() ? x.trim() : undefined;
}
