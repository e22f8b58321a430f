/**
 * HTTP to the Hub: the token is added only for the Hub's own origin (never forwarded to a CDN on redirect), redirects
 * are followed by hand so that rule holds, and every failure becomes a typed SelfjError whose text never holds the token.
 */
import { SelfjError } from '@selfj/core';
import { redact } from './token.js';
import type { RepoType } from './paths.js';

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export function resolveHubUrl(hubUrl?: string, env: NodeJS.ProcessEnv = process.env): string {
  return (hubUrl ?? env.HF_ENDPOINT ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
}

export interface HubContext {
  hubUrl: string;
  token?: string;
  repo: string;
  repoType: RepoType;
  revision?: string;
  path?: string;
  signal?: AbortSignal;
}

export interface HubFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** 'relative': stop at a redirect to another origin and return it (to read X-Linked-* headers, like huggingface_hub's HEAD). */
  follow?: 'all' | 'relative';
  /** Return non-2xx responses instead of throwing (the caller maps them). */
  allowError?: boolean;
}

const MAX_REDIRECTS = 10;

/** fetch with auth for the Hub origin only, manual redirects, and typed errors. */
export async function hubFetch(url: string, ctx: HubContext, opts: HubFetchOptions = {}): Promise<Response> {
  const hubOrigin = new URL(ctx.hubUrl).origin;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...opts.headers };
    if (ctx.token && new URL(current).origin === hubOrigin) headers.authorization = `Bearer ${ctx.token}`;
    let res: Response;
    try {
      res = await fetch(current, { method: opts.method ?? 'GET', headers, body: opts.body, redirect: 'manual', signal: ctx.signal });
    } catch (e) {
      throw networkError(e, ctx);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      const next = new URL(res.headers.get('location')!, current);
      if (opts.follow === 'relative' && next.origin !== new URL(current).origin) return res;
      await res.body?.cancel().catch(() => undefined);
      current = next.href;
      continue;
    }
    if (!res.ok && !opts.allowError) throw await httpError(res, ctx);
    return res;
  }
  throw new SelfjError('HTTP_ERROR', `Too many redirects while fetching ${describe(ctx)}.`, { details: { url: stripQuery(url) } });
}

/** A fetch-compatible function for @huggingface/hub calls (listFiles, modelInfo, ...), with our auth and errors. */
export function hubFetchFor(ctx: HubContext): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => {
      if (k !== 'authorization') headers[k] = v;
    });
    return hubFetch(url, ctx, { method: init?.method, headers, body: typeof init?.body === 'string' ? init.body : undefined });
  }) as typeof fetch;
}

export function describe(ctx: Pick<HubContext, 'repo' | 'repoType' | 'revision' | 'path'>): string {
  const prefix = ctx.repoType === 'model' ? '' : `${ctx.repoType}s/`;
  return `${prefix}${ctx.repo}${ctx.revision ? `@${ctx.revision}` : ''}${ctx.path ? `:${ctx.path}` : ''}`;
}

function stripQuery(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<url>';
  }
}

export function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'));
}

export function networkError(e: unknown, ctx: HubContext): SelfjError {
  if (isAbort(e, ctx.signal)) return new SelfjError('ABORTED', `Download of ${describe(ctx)} was cancelled.`);
  const reason = e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
  return new SelfjError('NETWORK', redact(`Could not reach the Hub at ${ctx.hubUrl} for ${describe(ctx)}: ${reason}`, ctx.token), {
    solutions: [
      'Check the network connection (or the HF_ENDPOINT mirror address).',
      'Set HF_HUB_OFFLINE=1 to use only files already in the Hugging Face cache.',
    ],
    details: { hubUrl: ctx.hubUrl, repo: ctx.repo, repoType: ctx.repoType, path: ctx.path },
  });
}

/** Maps a failed Hub response to AUTH / NOT_FOUND / HTTP_ERROR with what to do next. */
export async function httpError(res: Response, ctx: HubContext): Promise<SelfjError> {
  const code = res.headers.get('x-error-code') ?? '';
  let serverMsg = res.headers.get('x-error-message') ?? '';
  try {
    const text = (await res.text()).slice(0, 2000);
    if (!serverMsg && text) {
      try {
        const j = JSON.parse(text) as { error?: unknown; message?: unknown };
        serverMsg = String(j.error ?? j.message ?? '');
      } catch {
        serverMsg = text.slice(0, 300);
      }
    }
  } catch {
    /* body unreadable: the status says enough */
  }
  const what = describe(ctx);
  const page = `${ctx.hubUrl}/${ctx.repoType === 'model' ? '' : `${ctx.repoType}s/`}${ctx.repo}`;
  const suffix = serverMsg ? ` (server: ${serverMsg.trim()})` : '';
  const details = { status: res.status, errorCode: code || undefined, repo: ctx.repo, repoType: ctx.repoType, revision: ctx.revision, path: ctx.path };
  const safe = (m: string) => redact(m, ctx.token);
  const tokenHint = ctx.token
    ? 'Check that the token in HF_TOKEN is valid and has read access to this repository.'
    : 'Set HF_TOKEN to a Hugging Face access token with read access (https://huggingface.co/settings/tokens).';

  if (code === 'RepoNotFound' || (res.status === 404 && !code && !ctx.path)) {
    return new SelfjError('NOT_FOUND', safe(`Repository ${what} was not found on the Hub${suffix}.`), {
      solutions: [`Check the repository id and type (model or dataset): ${page}`, `If it is private or gated: ${tokenHint}`],
      details,
    });
  }
  if (code === 'RevisionNotFound') {
    return new SelfjError('NOT_FOUND', safe(`Revision "${ctx.revision}" of ${ctx.repo} was not found${suffix}.`), {
      solutions: ['Check the branch, tag or commit id (the default branch is usually "main").'],
      details,
    });
  }
  if (code === 'EntryNotFound' || res.status === 404) {
    return new SelfjError('NOT_FOUND', safe(`File ${ctx.path ?? ''} was not found in ${what}${suffix}.`), {
      solutions: [`Check the file name against the repository's file list: ${page}/tree/${ctx.revision ?? 'main'}`],
      details,
    });
  }
  if (code === 'GatedRepo' || res.status === 403) {
    return new SelfjError('AUTH', safe(`Access to ${what} was refused (HTTP ${res.status})${suffix}.`), {
      solutions: [`If the repository is gated, accept its conditions on ${page} while logged in.`, tokenHint],
      details,
    });
  }
  if (res.status === 401) {
    return new SelfjError('AUTH', safe(`The Hub asked for authentication for ${what} (HTTP 401)${suffix}.`), {
      solutions: [tokenHint, `If the repository is gated, accept its conditions on ${page}.`],
      details,
    });
  }
  return new SelfjError('HTTP_ERROR', safe(`The Hub answered HTTP ${res.status} for ${what}${suffix}.`), {
    solutions: res.status === 429 || res.status >= 500 ? ['Try again later: the Hub is busy or rate-limiting.'] : [],
    details,
  });
}
