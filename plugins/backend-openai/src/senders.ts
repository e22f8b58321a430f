/**
 * The two ways the transport can put one request on the wire. Both keep connections alive between requests.
 * - "node" (default): node:http / node:https with a keep-alive Agent. About 3-4x less client CPU per request than
 *   fetch on Node 20 (see bench/client-overhead.ts), which matters at high concurrency against a fast server.
 * - "fetch": Node's global fetch (undici, keep-alive by default), for environments that patch or proxy fetch.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
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
  signal: AbortSignal;
}

export type Sender = ((url: string, init: WireRequest) => Promise<WireResponse>) & { close?: () => void };

export function fetchSender(): Sender {
  return async (url, init) => {
    const res = await fetch(url, init);
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text };
  };
}

export function nodeSender(maxSockets: number): Sender {
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  const send: Sender = (url, init) =>
    new Promise<WireResponse>((resolve, reject) => {
      const secure = url.startsWith('https:');
      const headers: Record<string, string | number> = { ...init.headers };
      if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        { method: init.method, headers, agent: secure ? https : http, signal: init.signal },
        (res: IncomingMessage) => {
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
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  send.close = () => {
    http.destroy();
    https.destroy();
  };
  return send;
}
