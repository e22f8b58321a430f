/**
 * Reads a JSON request body up to a size limit. A body over the limit is read to its end and thrown away, then
 * answered 413: closing the socket while the client still sends would reach it as a connection reset instead of
 * the answer. Only a body far past the limit (8x, at least 64 MiB more) gets the connection cut.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';
import { tooLarge } from './limits.js';

export function readBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const hardLimit = Math.max(limit * 8, limit + 64 * 1024 * 1024);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const over = () => tooLarge(`The request body is larger than this server's limit of ${limit} bytes. Send fewer or shorter prompts per request.`);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > hardLimit) {
      reject(Object.assign(over(), { closeConnection: true }));
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > hardLimit) {
        req.removeAllListeners('data');
        req.pause();
        reject(Object.assign(over(), { closeConnection: true }));
        return;
      }
      if (size <= limit) chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > limit) {
        reject(over());
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text.length ? JSON.parse(text) : {};
      } catch {
        reject(new ApiError(400, 'The request body is not valid JSON.'));
        return;
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        reject(new ApiError(400, 'The request body must be a JSON object.'));
        return;
      }
      resolve(json as Record<string, unknown>);
    });
  });
}
