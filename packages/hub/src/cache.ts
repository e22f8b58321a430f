/**
 * The standard Hub cache layout, shared with Python's huggingface_hub:
 *   <cache>/<type>s--<owner>--<name>/blobs/<etag>                 file contents, named by ETag (LFS sha256 or git oid)
 *   <cache>/<type>s--<owner>--<name>/snapshots/<commit>/<path>    relative symlink to the blob
 *   <cache>/<type>s--<owner>--<name>/refs/<revision>              the commit a branch or tag pointed to
 * and one addition of ours, in a dot-folder as huggingface_hub's own `.no_exist` (its cache scan ignores it):
 *   <cache>/<type>s--<owner>--<name>/.selfj-tree/<commit>.json    the full file listing of a commit, so an offline
 *                                                                 run can say which files it lacks
 */
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, readdir, readFile, readlink, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { COMMIT_RE, repoFolderName, type RepoType } from './paths.js';

export class RepoCache {
  readonly storage: string;

  constructor(
    readonly cacheDir: string,
    readonly repo: string,
    readonly repoType: RepoType,
  ) {
    this.storage = join(cacheDir, repoFolderName(repo, repoType));
  }

  blobPath(etag: string): string {
    return join(this.storage, 'blobs', etag);
  }

  pointerPath(commit: string, path: string): string {
    return join(this.storage, 'snapshots', commit, ...path.split('/'));
  }

  lockPath(etag: string): string {
    return join(this.cacheDir, '.locks', repoFolderName(this.repo, this.repoType), `${etag}.selfj.lock`);
  }

  /** The commit a revision points to in the cache (a commit id is its own answer). */
  async readRef(revision: string): Promise<string | undefined> {
    if (COMMIT_RE.test(revision)) return revision;
    try {
      const c = (await readFile(join(this.storage, 'refs', ...revision.split('/')), 'utf8')).trim();
      return COMMIT_RE.test(c) ? c : undefined;
    } catch {
      return undefined;
    }
  }

  /** Records revision -> commit, atomically, like huggingface_hub does. */
  async writeRef(revision: string, commit: string): Promise<void> {
    if (revision === commit || COMMIT_RE.test(revision)) return;
    const file = join(this.storage, 'refs', ...revision.split('/'));
    await mkdir(dirname(file), { recursive: true });
    let current: string | undefined;
    try {
      current = (await readFile(file, 'utf8')).trim();
    } catch {
      current = undefined;
    }
    if (current === commit) return;
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, commit);
    await rename(tmp, file);
  }

  /** The snapshot path of a file if it is fully present for this revision, else undefined. Never touches the network. */
  async cachedFile(revision: string, path: string): Promise<{ path: string; commit: string; etag: string; size: number } | undefined> {
    const commit = await this.readRef(revision);
    if (!commit) return undefined;
    const pointer = this.pointerPath(commit, path);
    try {
      const st = await stat(pointer); // follows the symlink: a dangling link counts as missing
      if (!st.isFile()) return undefined;
      let etag = '';
      try {
        etag = basename(await readlink(pointer));
      } catch {
        etag = ''; // a copied (non-symlink) file: no etag to report
      }
      return { path: pointer, commit, etag, size: st.size };
    } catch {
      return undefined;
    }
  }

  /** Size of a complete blob, or undefined. */
  async blobSize(etag: string): Promise<number | undefined> {
    try {
      const st = await stat(this.blobPath(etag));
      return st.isFile() ? st.size : undefined;
    } catch {
      return undefined;
    }
  }

  /** snapshots/<commit>/<path> -> ../../blobs/<etag> (relative, so the cache folder can move). Falls back to a copy. */
  async linkPointer(etag: string, commit: string, path: string): Promise<string> {
    const pointer = this.pointerPath(commit, path);
    const blob = this.blobPath(etag);
    await mkdir(dirname(pointer), { recursive: true });
    try {
      const st = await lstat(pointer);
      if (st.isSymbolicLink() && (await readlink(pointer)) === relative(dirname(pointer), blob)) return pointer;
      await unlink(pointer);
    } catch {
      /* absent */
    }
    const tmp = `${pointer}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await symlink(relative(dirname(pointer), blob), tmp);
    } catch {
      await copyFile(blob, tmp); // filesystems without symlinks
    }
    await rename(tmp, pointer);
    return pointer;
  }

  async saveTree(commit: string, files: unknown[]): Promise<void> {
    const file = join(this.storage, '.selfj-tree', `${commit}.json`);
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(files));
    await rename(tmp, file);
  }

  async loadTree<T>(commit: string): Promise<T[] | undefined> {
    try {
      const v = JSON.parse(await readFile(join(this.storage, '.selfj-tree', `${commit}.json`), 'utf8')) as unknown;
      return Array.isArray(v) ? (v as T[]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Every file path (repo-relative, "/"-separated) present in a snapshot. */
  async snapshotFiles(commit: string): Promise<string[]> {
    const root = join(this.storage, 'snapshots', commit);
    let names: string[];
    try {
      names = await readdir(root, { recursive: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const name of names) {
      if (name.endsWith('.tmp')) continue;
      try {
        // Snapshot entries are links into blobs/: stat follows them (a dangling link is not present).
        if ((await stat(join(root, name))).isFile()) out.push(name.split(sep).join('/'));
      } catch {
        /* dangling link: not present */
      }
    }
    return out.sort();
  }
}
