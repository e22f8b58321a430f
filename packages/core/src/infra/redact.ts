/**
 * Keeps secrets (API keys, Hub tokens) out of logs and error messages. Every string that may carry one passes
 * through `redact`, which removes the given secrets verbatim plus anything that looks like an Authorization value,
 * a bearer token, an OpenAI-style `sk-...` key or a key-like query parameter (servers sometimes echo part of a bad
 * key back in their error body).
 */
export const REDACTED = '[REDACTED]';

const AUTHORIZATION = /(authorization["']?\s*[:=]\s*)(["']?)(bearer\s+)?[^\s"',;})]+/gi;
const BEARER = /\bbearer\s+[A-Za-z0-9._~+/=-]{4,}/gi;
const SK_KEY = /\bsk-[A-Za-z0-9_*-]{6,}/g;
const KEY_PARAM = /([?&](?:api[-_]?key|key|token|access_token)=)[^&\s#]+/gi;

export interface RedactOptions {
  /** What replaces a secret (default "[REDACTED]"). */
  mask?: string;
}

/** `text` without the given secrets (those of 4+ characters) and without key-like strings. */
export function redact(text: string, secrets: readonly (string | undefined)[] = [], options: RedactOptions = {}): string {
  const mask = options.mask ?? REDACTED;
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(mask);
  out = out.replace(AUTHORIZATION, (_m, head: string, quote: string) => `${head}${quote}${mask}`);
  out = out.replace(BEARER, `Bearer ${mask}`);
  out = out.replace(SK_KEY, mask);
  out = out.replace(KEY_PARAM, (_m, head: string) => `${head}${mask}`);
  return out;
}

/** A URL as it may appear in messages: no user info, secret-looking query values removed. */
export function safeURL(url: string, secrets: readonly (string | undefined)[] = [], options: RedactOptions = {}): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return redact(u.toString(), secrets, options);
  } catch {
    return redact(url, secrets, options);
  }
}
