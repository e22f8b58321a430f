/** The Hub token: found like huggingface_hub does, and never shown. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redact as redactSecrets } from '@selfj/core/infra';
import { hfHome } from './paths.js';

/** Explicit token, else HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the file `huggingface-cli login` writes. */
export function resolveToken(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (explicit === null) return undefined; // caller asked for anonymous access
  const t = explicit ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN ?? readTokenFile(env);
  const v = t?.trim();
  return v ? v : undefined;
}

function readTokenFile(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.HF_TOKEN_PATH || join(hfHome(env), 'token');
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The text without the token, Bearer values or key-like strings (core's shared redaction, Hub's "***" mask). */
export function redact(text: string, token?: string): string {
  return redactSecrets(text, [token], { mask: '***' });
}
