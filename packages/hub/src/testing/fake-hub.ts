/**
 * A loopback server that answers the Hub endpoints @huggingface/hub and @selfj/hub call, for tests (ours and other
 * packages', e.g. `selfj pull`). Endpoints and headers, as read from @huggingface/hub 2.17.5 and huggingface_hub:
 *   HEAD|GET /[datasets/|spaces/]<repo>/resolve/<rev>/<path>  X-Repo-Commit, ETag (git oid) or, for LFS files,
 *            302 to a CDN on another origin with X-Linked-Etag (sha256) + X-Linked-Size; Range -> 206 / 416
 *   GET /api/<type>s/<repo>/tree/<rev>[/<dir>]?recursive=..     JSON list, paginated with Link: <..>; rel="next"
 *   GET /api/<type>s/<repo>/revision/<rev>                       JSON with `sha`
 *   errors: X-Error-Code RepoNotFound (401 anonymous / 404) | RevisionNotFound | EntryNotFound (404) | GatedRepo (401/403)
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeFile {
  data: Buffer;
  lfs: boolean;
  oid: string; // git blob sha1
  sha256: string;
}

export interface FakeRepo {
  type: 'model' | 'dataset' | 'space';
  name: string;
  branches: Map<string, string>;
  commits: Map<string, Map<string, FakeFile>>;
  /** When set, requests must carry `Bearer <token>`. */
  token?: string;
}

export interface RecordedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface Fault {
  /** Path in the repo (or sha256 for the CDN) the fault applies to. */
  match: string;
  /** Close the connection after this many body bytes. */
  cutAfter?: number;
  /** Answer with this status instead. */
  status?: number;
  /** How many requests it hits (default 1). */
  times?: number;
  /** Only requests with this method (default: GET for cutAfter, any for status). */
  method?: string;
}

export function gitOid(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Entries per page of the tree listing (tests pagination). */
  pageSize = 1000;
  /** Files this size or larger are LFS (served from the CDN). */
  lfsThreshold = 1024;
  url = '';
  cdnUrl = '';
  private hub?: Server;
  private cdn?: Server;
  private counter = 0;

  /** Adds (or updates) a repo with a new commit on `branch` holding these files; returns the commit id. */
  commit(type: FakeRepo['type'], name: string, files: Record<string, Buffer | string>, branch = 'main', opts: { token?: string } = {}): string {
    const key = `${type}/${name}`;
    const repo: FakeRepo = this.repos.get(key) ?? { type, name, branches: new Map(), commits: new Map() };
    if (opts.token !== undefined) repo.token = opts.token;
    const map = new Map<string, FakeFile>();
    for (const [path, content] of Object.entries(files)) {
      const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
      map.set(path, { data, lfs: data.length >= this.lfsThreshold, oid: gitOid(data), sha256: createHash('sha256').update(data).digest('hex') });
    }
    const commit = createHash('sha1').update(`${key}:${branch}:${++this.counter}`).digest('hex');
    repo.commits.set(commit, map);
    repo.branches.set(branch, commit);
    this.repos.set(key, repo);
    return commit;
  }

  async start(): Promise<this> {
    this.hub = createServer((q, s) => this.handleHub(q, s));
    this.cdn = createServer((q, s) => this.handleCdn(q, s));
    this.url = await listen(this.hub);
    this.cdnUrl = await listen(this.cdn);
    return this;
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      if (!s) continue;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  private record(server: RecordedRequest['server'], q: IncomingMessage): void {
    this.requests.push({ server, method: q.method ?? 'GET', url: q.url ?? '', range: q.headers.range, authorization: q.headers.authorization });
  }

  private takeFault(match: string, method: string): Fault | undefined {
    const wanted = (x: Fault) => (x.method ? x.method === method : x.cutAfter === undefined || method === 'GET');
    const f = this.faults.find((x) => x.match === match && (x.times ?? 1) > 0 && wanted(x));
    if (f) f.times = (f.times ?? 1) - 1;
    return f;
  }

  private handleCdn(q: IncomingMessage, s: ServerResponse): void {
    this.record('cdn', q);
    const sha = decodeURIComponent((q.url ?? '').replace(/^\/cdn\//, '').split('?')[0]);
    for (const repo of this.repos.values())
      for (const files of repo.commits.values())
        for (const f of files.values()) if (f.sha256 === sha) return this.sendBody(q, s, f, sha, {});
    s.writeHead(404).end();
  }

  private handleHub(q: IncomingMessage, s: ServerResponse): void {
    this.record('hub', q);
    const u = new URL(q.url ?? '/', this.url);
    const api = /^\/api\/(models|datasets|spaces)\/([^/]+\/[^/]+)\/(tree|revision)\/([^/]+)(?:\/(.*))?$/.exec(u.pathname);
    const resolve = /^\/(?:(datasets|spaces)\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(u.pathname);
    const m = api ?? resolve;
    if (!m) return void s.writeHead(404).end();
    const type = api ? api[1].slice(0, -1) : resolve![1] ? resolve![1].slice(0, -1) : 'model';
    const name = api ? api[2] : resolve![2];
    const rev = decodeURIComponent(api ? api[4] : resolve![3]);
    const repo = this.repos.get(`${type}/${name}`);
    const auth = q.headers.authorization;
    const err = (status: number, code: string, msg: string) =>
      void s.writeHead(status, { 'x-error-code': code, 'x-error-message': msg, 'content-type': 'application/json' }).end(JSON.stringify({ error: msg }));
    if (!repo) return err(auth ? 404 : 401, 'RepoNotFound', 'Repository not found');
    if (repo.token !== undefined && auth !== `Bearer ${repo.token}`) {
      return err(auth ? 403 : 401, 'GatedRepo', 'Access to this repository is restricted');
    }
    const commit = repo.commits.has(rev) ? rev : repo.branches.get(rev);
    if (!commit) return err(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const files = repo.commits.get(commit)!;
    if (api?.[3] === 'revision') {
      s.writeHead(200, { 'content-type': 'application/json' });
      return void s.end(JSON.stringify({ _id: name, id: name, sha: commit, private: repo.token !== undefined, siblings: [...files.keys()].map((rfilename) => ({ rfilename })) }));
    }
    if (api) return this.tree(u, s, files, api[5] ? decodeURIComponent(api[5]) : '', u.searchParams.get('recursive') === 'true');
    const path = resolve![4].split('/').map(decodeURIComponent).join('/');
    const f = files.get(path);
    if (!f) return err(404, 'EntryNotFound', `${path} does not exist on "${rev}"`);
    const fault = this.takeFault(path, q.method ?? 'GET');
    if (fault?.status) return err(fault.status, '', 'injected');
    const common = { 'x-repo-commit': commit };
    if (f.lfs) {
      s.writeHead(302, { ...common, location: `${this.cdnUrl}/cdn/${f.sha256}`, 'x-linked-etag': `"${f.sha256}"`, 'x-linked-size': String(f.data.length), etag: `"${f.oid}"`, 'content-length': '0' });
      return void s.end();
    }
    this.sendBody(q, s, f, path, { ...common, etag: `"${f.oid}"` }, fault);
  }

  private tree(u: URL, s: ServerResponse, files: Map<string, FakeFile>, dir: string, recursive: boolean): void {
    const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
    const entries: object[] = [];
    const dirs = new Set<string>();
    for (const [path, f] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      if (!recursive && rest.includes('/')) {
        dirs.add(prefix + rest.split('/')[0]);
        continue;
      }
      entries.push({ type: 'file', oid: f.oid, size: f.data.length, path, ...(f.lfs ? { lfs: { oid: f.sha256, size: f.data.length, pointerSize: 134 } } : {}) });
    }
    for (const d of dirs) entries.push({ type: 'directory', oid: '0'.repeat(40), size: 0, path: d });
    const cursor = Number(u.searchParams.get('cursor') ?? 0);
    const page = entries.slice(cursor, cursor + this.pageSize);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (cursor + this.pageSize < entries.length) {
      const next = new URL(u.href);
      next.searchParams.set('cursor', String(cursor + this.pageSize));
      headers.link = `<${next.href}>; rel="next"`;
    }
    s.writeHead(200, headers).end(JSON.stringify(page));
  }

  private sendBody(q: IncomingMessage, s: ServerResponse, f: FakeFile, faultKey: string, headers: Record<string, string>, fault = this.takeFault(faultKey, q.method ?? 'GET')): void {
    const size = f.data.length;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d+)-(\d*)$/.exec(q.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) return void s.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    s.writeHead(status, { ...headers, 'content-length': String(end - start + 1), 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' });
    if (q.method === 'HEAD') return void s.end();
    const body = f.data.subarray(start, end + 1);
    if (fault?.cutAfter !== undefined) {
      // let the bytes reach the client before the connection drops, like a real cut mid-transfer
      s.write(body.subarray(0, fault.cutAfter), () => setTimeout(() => s.socket?.destroy(), 50));
      return;
    }
    s.end(body);
  }
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}
