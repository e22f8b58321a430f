/**
 * Backend ids name a backend and its model in one string: `<scheme>:<spec>`, e.g.
 * `llama-cpp:/models/q.gguf`, `llama-cpp:hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf`,
 * `openai:http://localhost:8000/v1#Qwen/Qwen2.5-7B-Instruct`.
 */
import { SelfjError } from '../errors.js';

export interface BackendId {
  scheme: string;
  /** Everything after the first colon, as written (a path, a hub ref, or `<base url>#<model>`). */
  spec: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):(.*)$/s;

export function parseBackendId(id: string): BackendId {
  const m = SCHEME.exec(id.trim());
  // One-letter schemes are Windows drive letters ("C:\models\x.gguf"), not backends.
  if (!m || m[1].length < 2 || m[2].length === 0) {
    throw new SelfjError('BAD_CONFIG', `Not a backend id: ${JSON.stringify(id)}. Expected "<scheme>:<model>".`, {
      solutions: [
        'Use "llama-cpp:<path to .gguf or hf:<repo>/<file>>" for a local model.',
        'Use "openai:<base url>#<model>" for an OpenAI-compatible server, e.g. openai:http://localhost:8000/v1#my-model.',
      ],
    });
  }
  return { scheme: m[1], spec: m[2] };
}

/** Splits `<base url>#<model>` (the openai spec); the model part is optional. */
export function splitUrlAndModel(spec: string): { baseUrl: string; model?: string } {
  const hash = spec.indexOf('#');
  if (hash < 0) return { baseUrl: spec };
  const model = spec.slice(hash + 1);
  return { baseUrl: spec.slice(0, hash), model: model.length ? model : undefined };
}

/**
 * A data set URI: "<scheme>:<spec>" for a loader plugin (hf://datasets/owner/name@rev is scheme "hf"), or a plain
 * local path or glob, which is the "file" loader's.
 */
export function parseDatasetId(uri: string): BackendId {
  const m = SCHEME.exec(uri.trim());
  if (m && m[1].length >= 2 && m[2].length > 0) return { scheme: m[1], spec: m[2] };
  if (!uri.trim()) {
    throw new SelfjError('BAD_CONFIG', 'Empty data set URI.', { solutions: ['Give a JSONL/JSON/CSV/Parquet path or glob, or hf://datasets/<owner>/<name>@<revision>'] });
  }
  return { scheme: 'file', spec: uri.trim() };
}
