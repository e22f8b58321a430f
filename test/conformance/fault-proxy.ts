/**
 * A loopback HTTP proxy that injects faults in front of a real server: every 5th request (20%) gets one of
 * 429 + Retry-After, 500, 503, a connection reset, a hang (no answer until the client gives up), or the upstream's
 * answer cut off mid-JSON, in turn; the rest are forwarded unchanged. `rate` 0 forwards everything.
 */
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAULTS = ['429', '500', '503', 'reset', 'hang', 'truncated'] as const;
export type FaultKind = (typeof FAULTS)[number];

export interface FaultProxy {
  /** Base URL for clients (the upstream's path kept). */
  url: string;
  /** Inject faults (every 5th request) or not. */
  faulty: boolean;
  injected: Record<FaultKind, number>;
  requests: number;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const hanging = new Set<ServerResponse>();
  let n = 0;
  let faultNo = 0;
  const state: FaultProxy = {
    url: '',
    faulty: false,
    injected: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<FaultKind, number>,
    requests: 0,
    close: async () => {},
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const r = request(
        { host: up.hostname, port: up.port, path: req.url, method: req.method, headers: { ...req.headers, host: up.host }, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'connection' && k !== 'keep-alive') headers[k] = v;
            resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      r.on('error', reject);
      r.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      state.requests++;
      const body = Buffer.concat(chunks);
      const fault = state.faulty && n++ % 5 === 2 ? FAULTS[faultNo++ % FAULTS.length] : undefined;
      if (fault) state.injected[fault]++;
      const error = (status: number, extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...extra });
        res.end(JSON.stringify({ error: { message: `injected ${status}`, type: 'server_error', param: null, code: null } }));
      };
      if (fault === '429') return error(429, { 'retry-after': '1' });
      if (fault === '500') return error(500);
      if (fault === '503') return error(503);
      if (fault === 'reset') return req.socket.destroy();
      if (fault === 'hang') return void hanging.add(res);
      try {
        const answer = await forward(req, body);
        if (fault === 'truncated') {
          res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
          res.write(answer.body.subarray(0, answer.body.length >> 1));
          setTimeout(() => req.socket.destroy(), 5);
          return;
        }
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      } catch (e) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `proxy: ${(e as Error).message}`, type: 'server_error' } }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${up.pathname}`;
  state.close = async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    agent.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
