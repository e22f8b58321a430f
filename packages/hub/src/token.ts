/** The Hub token: found like huggingface_hub does, and never shown. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** Replaces every occurrence of the token (and of a Bearer header) in a text. */
export function redact(text: string, token?: string): string {
  let out = token && token.length >= 4 ? text.split(token).join('***') : text;
  out = out.replace(/(Bearer\s+)[^\s"',]+/gi, '$1***');
  return out;
}
