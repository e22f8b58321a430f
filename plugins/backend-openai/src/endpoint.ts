/** One server of the pool: its undici connection pool, adaptive concurrency limit, and health. */
import type { Pool } from 'undici';
import { SelfjError } from '@selfj/core';
import { safeURL } from '@selfj/core/infra';
import { AdaptiveLimit, type AdaptiveLimitOptions } from './adaptive.js';
import { createPool } from './wire.js';

/** Normalises a base URL: no trailing slash, "/v1" added when the URL has no path. */
export function normaliseBaseURL(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new SelfjError('BAD_CONFIG', `Not a valid base URL: ${safeURL(url)}`, {
      solutions: ['Use a full URL such as http://127.0.0.1:8000/v1'],
    });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new SelfjError('BAD_CONFIG', `Base URL must be http(s): ${safeURL(url)}`);
  }
  let s = u.toString().replace(/\/+$/, '');
  if (u.pathname === '/' || u.pathname === '') s += '/v1';
  return s;
}

export class Endpoint {
  /** e.g. http://host:8000/v1 */
  readonly base: string;
  /** The server root, e.g. http://host:8000 (for /tokenize, llama.cpp's /completion). */
  readonly root: string;
  readonly pool: Pool;
  readonly limit: AdaptiveLimit;
  private readonly basePath: string;
  private readonly rootPath: string;
  inFlight = 0;
  /** Deprioritised (another server is tried first) until then, after a failure. */
  unhealthyUntil = 0;
  /** No requests before then: the server asked for it (Retry-After). */
  pausedUntil = 0;
  /** Since when nothing answers here (connection failures), for one notice per outage. */
  downSince?: number;

  constructor(url: string, limit: AdaptiveLimitOptions) {
    this.base = normaliseBaseURL(url);
    this.root = this.base.replace(/\/v1$/, '');
    const u = new URL(this.base);
    this.basePath = u.pathname.replace(/\/+$/, '') + u.search;
    this.rootPath = new URL(this.root).pathname.replace(/\/+$/, '');
    this.pool = createPool(u.origin, limit.max);
    this.limit = new AdaptiveLimit(limit);
  }

  /** Path on the wire for a route under the base URL ("/completions") or the server root ("/tokenize"). */
  path(route: string, root = false): string {
    return (root ? this.rootPath : this.basePath) + route;
  }

  url(route: string, root = false): string {
    return (root ? this.root : this.base) + route;
  }

  /** Share of the limit in use (least-loaded choice). */
  get load(): number {
    return this.inFlight / this.limit.limit;
  }
}
