/**
 * The two ways the transport can put one request on the wire. Both keep connections alive between requests.
 * - "node" (default): node:http / node:https with a keep-alive Agent. About 3-4x less client CPU per request than
 *   fetch on Node 20 (see bench/client-overhead.ts), which matters at high concurrency against a fast server.
 * - "fetch": Node's global fetch (undici, keep-alive by default), for environments that patch or proxy fetch.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface WireResponse {
  status: number;
  retryAfter: string | null;
  text: string;
}

export interface WireRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A request on the wire; abort() ends it (its response promise then rejects). */
export interface InFlight {
  response: Promise<WireResponse>;
  abort(): void;
}

/**
 * Sends one request. No AbortSignal is passed down: the transport aborts through `abort()`, which keeps
 * per-request signal plumbing (a measurable share of client CPU at high request rates) out of the hot path.
 */
export type Sender = ((url: string, init: WireRequest) => InFlight) & { close?: () => void };

export function fetchSender(): Sender {
  return (url, init) => {
    const ctl = new AbortController();
    const response = (async () => {
      const res = await fetch(url, { ...init, signal: ctl.signal });
      const text = await res.text();
      return { status: res.status, retryAfter: res.headers.get('retry-after'), text };
    })();
    return { response, abort: () => ctl.abort() };
  };
}

export function nodeSender(maxSockets: number): Sender {
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  const send: Sender = (url, init) => {
    let req: ClientRequest | undefined;
    const response = new Promise<WireResponse>((resolve, reject) => {
      const secure = url.startsWith('https:');
      const headers: Record<string, string | number> = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
      req = (secure ? httpsRequest : httpRequest)(url, { method: init.method, headers, agent: secure ? https : http }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: typeof ra === 'string' ? ra : null, text: Buffer.concat(chunks).toString('utf8') });
        });
        // A body cut short by a closed connection: 'close' without a complete message.
        res.on('close', () => {
          if (!res.complete) reject(Object.assign(new Error('response body truncated (connection closed)'), { code: 'ECONNRESET' }));
        });
      });
      req.on('error', reject);
      req.end(init.body);
    });
    return { response, abort: () => req?.destroy(Object.assign(new Error('request aborted'), { code: 'ABORT_ERR' })) };
  };
  send.close = () => {
    http.destroy();
    https.destroy();
  };
  return send;
}
