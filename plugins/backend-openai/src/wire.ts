/**
 * One HTTP request on an undici Pool (keep-alive connections per server). It goes through `dispatch` with a small
 * handler rather than `pool.request()`: the body is collected as bytes without a stream object, and the request is
 * aborted through the handler's controller, so no AbortSignal listener is set up per request (both measurable at
 * thousands of requests per second; see bench/client-overhead.ts).
 */
import { Pool, type Dispatcher } from 'undici';

export interface WireResponse {
  status: number;
  retryAfter: string | null;
  text: string;
}

/** Why a request failed before a complete response: nothing came back, or the response broke off. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** Response headers had arrived (a server was there and answered, then the body broke off). */
    readonly responded: boolean,
  ) {
    super(message);
  }
}

/** A request on the wire; abort() ends it (its response promise then rejects). */
export interface InFlight {
  response: Promise<WireResponse>;
  abort(): void;
}

export function createPool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    // The transport times each attempt itself (headers and body together).
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

function errorCode(e: Error): string {
  const err = e as Error & { code?: string; cause?: { code?: string } };
  return err.cause?.code ?? err.code ?? 'ERR';
}

export function send(pool: Pool, path: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: string): InFlight {
  let controller: Dispatcher.DispatchController | undefined;
  let abortRequested = false;
  let responded = false;
  const abortError = () => new WireError('request aborted', 'ABORT_ERR', responded);
  const response = new Promise<WireResponse>((resolve, reject) => {
    let status = 0;
    let retryAfter: string | null = null;
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (abortRequested) c.abort(abortError());
      },
      onResponseStart(_c, statusCode, h) {
        responded = true;
        status = statusCode;
        const ra = h['retry-after'];
        retryAfter = typeof ra === 'string' ? ra : null;
      },
      onResponseData(_c, chunk) {
        chunks.push(chunk);
      },
      onResponseEnd() {
        resolve({ status, retryAfter, text: Buffer.concat(chunks).toString('utf8') });
      },
      onResponseError(_c, e) {
        reject(e instanceof WireError ? e : new WireError(e.message, errorCode(e), responded));
      },
    };
    try {
      pool.dispatch({ origin: undefined, path, method, headers, body }, handler);
    } catch (e) {
      reject(new WireError((e as Error).message, errorCode(e as Error), false));
    }
  });
  return {
    response,
    abort: () => {
      abortRequested = true;
      controller?.abort(abortError());
    },
  };
}
