/** Validation of OpenAI request fields shared by the routes of `selfj serve` (400 with the field named). */
import type { ChatMessage } from '@selfj/core';
import { ApiError } from './errors.js';

export type Body = Record<string, unknown>;

export function bad(message: string, param: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param);
}

/** A finite number in [min, max], or `def` when absent. */
export function num(body: Body, key: string, def: number, min: number, max: number): number {
  const v = body[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(`${key} must be a number in [${min}, ${max}].`, key);
  return v;
}

/** An integer in [min, max], or `def` when absent (1.5 tokens is not a request). */
export function int(body: Body, key: string, def: number, min: number, max: number): number {
  const v = num(body, key, def, min, max);
  if (!Number.isInteger(v)) throw bad(`${key} must be an integer in [${min}, ${max}].`, key);
  return v;
}

export function checkModel(body: Body, modelName: string): void {
  if (body.model !== undefined && body.model !== modelName) {
    throw new ApiError(404, `The model \`${String(body.model)}\` does not exist; this server serves \`${modelName}\`.`, 'invalid_request_error', 'model', 'model_not_found');
  }
}

export interface Sampling {
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
}

/** model, n, stop, seed, temperature, top_p. */
export function sampling(body: Body, modelName: string): Sampling {
  checkModel(body, modelName);
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw bad('Only n = 1 is supported.', 'n');
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string')) throw bad('stop must be a string or an array of strings.', 'stop');
  const seed = body.seed === undefined || body.seed === null ? undefined : int(body, 'seed', 0, -(2 ** 53), 2 ** 53);
  return {
    temperature: num(body, 'temperature', 1, 0, 2),
    topP: num(body, 'top_p', 1, 0, 1),
    seed,
    stop: stop as string[],
  };
}

/** Requested alternatives: an integer >= 0, or -1 for the whole vocabulary (Infinity). */
export function kOf(v: unknown, param: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw bad(`${param} must be an integer >= 0 (or -1 for every token).`, param);
  return v === -1 ? Infinity : v;
}

const ROLES = new Set(['system', 'user', 'assistant', 'developer']);

export function messagesOf(v: unknown, param = 'messages'): ChatMessage[] {
  if (!Array.isArray(v) || !v.length) throw bad(`${param} must be a non-empty array.`, param);
  return v.map((m, i) => {
    const role = (m as { role?: unknown })?.role;
    let content = (m as { content?: unknown })?.content;
    // Content parts: keep the text ones (this server has no image input).
    if (Array.isArray(content)) content = content.map((p) => (p as { text?: string })?.text ?? '').join('');
    if (typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string') {
      throw bad(`${param}[${i}] needs a role (system, user, assistant) and text content.`, param);
    }
    return { role: role === 'developer' ? 'system' : (role as ChatMessage['role']), content };
  });
}
