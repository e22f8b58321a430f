/**
 * A loopback OpenAI-compatible server for tests, with a deterministic next-token distribution per prompt and a
 * queue of faults (429 + Retry-After, 500, 503, hanging, truncated body, invalid JSON, connection reset) that are
 * served to the next requests before answering normally.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  | { kind: 'hang' }
  | { kind: 'truncated' }
  | { kind: 'badjson' }
  | { kind: 'reset' };

export const VOCAB: string[] = [
  ...'0123456789'.split(''),
  ...'0123456789'.split('').map((d) => ` ${d}`),
  ...'abcdefghijklmnopqrstuvwxyz'.split(''),
  ' the', ' a', '.', ',', '\n',
];

/** Deterministic logits from the prompt text (FNV hash seeding a small PRNG), as natural-log probabilities. */
export function distribution(prompt: string): { token: string; logprob: number }[] {
  let h = 2166136261;
  for (let i = 0; i < prompt.length; i++) h = Math.imul(h ^ prompt.charCodeAt(i), 16777619) >>> 0;
  const logits = VOCAB.map(() => {
    h = (Math.imul(h ^ (h >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return (h / 2 ** 32) * 8;
  });
  const max = Math.max(...logits);
  const z = Math.log(logits.reduce((a, l) => a + Math.exp(l - max), 0)) + max;
  return VOCAB.map((token, i) => ({ token, logprob: logits[i] - z })).sort((a, b) => b.logprob - a.logprob);
}

export interface FakeServerOptions {
  /** Most alternatives returned per position (OpenAI 20, TGI 5); -1 requests get everything when allowed. */
  maxTopLogprobs?: number;
  /** owned_by in /v1/models. */
  ownedBy?: string;
  /** Leave logprobs out of answers (a server started without them). */
  noLogprobs?: boolean;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** More prompts than this in one /v1/completions request: 413 (as a server with a request limit). */
  maxPrompts?: number;
}

/** A prompt containing this is "too large" for the fake server: 413 for any request carrying it. */
export const OVERSIZE = '<<oversize>>';

export interface FakeServer {
  url: string;
  requests: { path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }[];
  faults: Fault[];
  maxConcurrent: number;
  /** Delay before each normal answer (to observe concurrency). */
  delayMs: number;
  close(): Promise<void>;
  server: Server;
}

export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const cap = options.maxTopLogprobs ?? 20;
  const hanging = new Set<ServerResponse>();
  let active = 0;
  const state: FakeServer = { url: '', requests: [], faults: [], maxConcurrent: 0, delayMs: 0, close: async () => {}, server: undefined as unknown as Server };

  const top = (prompt: string, k: number) => {
    const all = distribution(prompt);
    return k === -1 && cap === -1 ? all : all.slice(0, Math.min(k === -1 ? cap : k, cap === -1 ? all.length : cap));
  };

  const answer = (path: string, body: Record<string, unknown>) => {
    if (path === '/v1/models') {
      const meta = options.ownedBy === 'llamacpp' ? { meta: { n_vocab: VOCAB.length } } : {};
      return { object: 'list', data: [{ id: 'fake', object: 'model', owned_by: options.ownedBy ?? 'openai', ...meta }] };
    }
    if (path === '/completion') {
      // llama.cpp server's native endpoint: n_probs alternatives in the newer completion_probabilities shape.
      const dist = distribution(String(body.prompt)).slice(0, Number(body.n_probs));
      const chosen = dist[0];
      return { content: chosen.token, completion_probabilities: [{ id: 0, token: chosen.token, logprob: chosen.logprob, top_logprobs: dist.map((t) => ({ id: VOCAB.indexOf(t.token), token: t.token, logprob: t.logprob })) }] };
    }
    if (path === '/tokenize') return { tokens: [...String(body.content ?? body.prompt)].map((c) => c.charCodeAt(0)) };
    if (path === '/v1/embeddings') {
      const input = body.input as string[];
      return { object: 'list', data: input.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, 1, 0] })).reverse() };
    }
    const chat = path === '/v1/chat/completions';
    if (chat) {
      const prompt = (body.messages as { content: string }[]).map((m) => m.content).join('\n');
      const chosen = distribution(prompt)[0];
      const logprobs =
        options.noLogprobs || !body.logprobs
          ? null
          : { content: [{ token: chosen.token, logprob: chosen.logprob, top_logprobs: top(prompt, Number(body.top_logprobs ?? 0)) }] };
      return { object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `${chosen.token}!` }, logprobs, finish_reason: 'length' }], usage: { completion_tokens: 2 } };
    }
    // vLLM and OpenAI take a list of prompts on /v1/completions: one choice per prompt, by index.
    const prompts = Array.isArray(body.prompt) ? (body.prompt as string[]) : [String(body.prompt)];
    const k = body.logprobs;
    const choices = prompts.map((prompt, index) => {
      const chosen = distribution(prompt)[0];
      const logprobs =
        options.noLogprobs || k === undefined || k === null
          ? null
          : { tokens: [chosen.token], token_logprobs: [chosen.logprob], top_logprobs: [Object.fromEntries(top(prompt, Number(k)).map((t) => [t.token, t.logprob]))] };
      return { index, text: `${chosen.token}?`, logprobs, finish_reason: 'stop' };
    });
    // Answered in reverse order: clients must match choices by index.
    return { object: 'text_completion', choices: choices.reverse(), usage: { completion_tokens: 2 * prompts.length } };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      active++;
      state.maxConcurrent = Math.max(state.maxConcurrent, active);
      res.on('close', () => active--);
      const path = (req.url ?? '').split('?')[0];
      const text = Buffer.concat(chunks).toString('utf8');
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      state.requests.push({ path, headers: req.headers, body });
      const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
      if (prompts.length > (options.maxPrompts ?? Infinity) || prompts.some((p) => typeof p === 'string' && p.includes(OVERSIZE))) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Request too large.', type: 'invalid_request_error', param: null, code: 'request_too_large' } }));
        return;
      }
      const fault = path === '/v1/models' ? undefined : state.faults.shift();
      if (fault?.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
        res.end(fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}`, type: 'server_error' } }));
        return;
      }
      const json = JSON.stringify(answer(path, body));
      if (fault?.kind === 'truncated') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
        res.write(json.slice(0, json.length >> 1));
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      if (fault?.kind === 'badjson') {
        const half = json.slice(0, json.length >> 1);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(half) });
        res.end(half);
        return;
      }
      const reply = () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      };
      if (state.delayMs > 0) setTimeout(reply, state.delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
