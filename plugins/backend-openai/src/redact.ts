/**
 * Keeps API keys out of logs and error messages. Every string that leaves this package through a log line or an
 * error passes through `redact`, which removes the configured secrets verbatim plus anything that looks like a
 * bearer token or an OpenAI-style key (servers sometimes echo part of a bad key back in their error body).
 */
const PATTERNS: RegExp[] = [
  /(authorization\s*[:=]\s*)("?)(bearer\s+)?[^\s",})]+/gi,
  /\bbearer\s+[A-Za-z0-9._~+/=-]{4,}/gi,
  /\bsk-[A-Za-z0-9_*-]{6,}/g,
  /([?&](?:api[-_]?key|key|token|access_token)=)[^&\s#]+/gi,
];

export const REDACTED = '[REDACTED]';

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join(REDACTED);
  out = out.replace(PATTERNS[0], (_m, head: string, quote: string) => `${head}${quote}${REDACTED}`);
  out = out.replace(PATTERNS[1], `Bearer ${REDACTED}`);
  out = out.replace(PATTERNS[2], REDACTED);
  out = out.replace(PATTERNS[3], (_m, head: string) => `${head}${REDACTED}`);
  return out;
}

/** A URL as it may appear in messages: no user info, secret-looking query values removed. */
export function safeURL(url: string, secrets: readonly string[] = []): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return redact(u.toString(), secrets);
  } catch {
    return redact(url, secrets);
  }
}
