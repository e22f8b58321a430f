/**
 * HfDataset: a Hugging Face Hub data set, pinned to a commit, downloaded file by file into the standard Hub cache
 * (shared with Python's huggingface_hub; resumable, verified) and streamed through the dataset-files readers.
 * The next file downloads while the current one is read. Offline mode reads only the cache and names what is missing.
 */
import { readFile } from 'node:fs/promises';
import { SelfjError, type DatasetLoader, type InstructionRecord } from '@selfj/core';
import { FilesDataset, type FileInput, type FilesDatasetOptions, type FilesDatasetStats } from '@selfj/dataset-files';
import { downloadToCache, isOfflineEnv, listRepoFiles, missingFromCache, resolveRevision, type Progress } from '@selfj/hub';
import { parseCardConfigs, pickConfig } from './readme-configs.js';
import { selectByCard, selectFiles } from './select.js';
import { parseHfSource, type HfSource } from './source.js';

export interface HfDatasetOptions extends Omit<FilesDatasetOptions, 'files' | 'source' | 'revision' | 'id'> {
  /** hf://datasets/<owner>/<name>[@revision][/<file glob>] */
  source: string;
  /** Branch, tag or commit (overrides @revision; default "main"). */
  revision?: string;
  /** A config (subset): a folder of the repo. */
  config?: string;
  /** A split (train, validation, test, ...); default "train" when the repo has one. */
  split?: string;
  /** Glob over repo paths, e.g. "data/*.parquet" (overrides the pattern in the source). */
  pattern?: string;
  hubUrl?: string;
  token?: string | null;
  cacheDir?: string;
  offline?: boolean;
  onProgress?: (p: Progress & { fileIndex: number; fileCount: number }) => void;
}

export interface HfDatasetInfo {
  repo: string;
  commit: string;
  split?: string;
  files: string[];
}

export class HfDataset implements DatasetLoader {
  readonly id: string;
  readonly src: HfSource;
  /** Filled in by records(): what was resolved and selected. */
  info?: HfDatasetInfo;
  stats?: FilesDatasetStats;

  constructor(readonly options: HfDatasetOptions) {
    this.src = parseHfSource(options.source);
    this.id = `hf:${this.src.repo}${this.revision ? `@${this.revision}` : ''}`;
  }

  private get revision(): string | undefined {
    return this.options.revision ?? this.src.revision;
  }

  private hubOptions() {
    const o = this.options;
    return { repo: this.src.repo, repoType: 'dataset' as const, hubUrl: o.hubUrl, token: o.token, cacheDir: o.cacheDir, offline: o.offline ?? isOfflineEnv() };
  }

  /** Resolves the revision to a commit and picks the files (network, or the cache when offline). */
  async resolve(signal?: AbortSignal): Promise<HfDatasetInfo> {
    const hub = { ...this.hubOptions(), signal };
    const commit = await resolveRevision({ ...hub, revision: this.revision });
    // offline, this is the listing remembered from an online run (or, failing that, the cached snapshot)
    const all = (await listRepoFiles({ ...hub, revision: commit })).map((f) => f.path);
    const pattern = this.options.pattern ?? this.src.pattern;
    let selected: { files: string[]; split?: string } | undefined;
    if (!pattern && all.includes('README.md')) {
      // a card with a `configs:` block decides which files form each config and split, as in `datasets`
      const card = await downloadToCache({ ...hub, revision: commit, path: 'README.md' });
      const configs = parseCardConfigs(await readFile(card.path, 'utf8'), `${this.src.name}/README.md`);
      if (configs.length) selected = selectByCard(all, pickConfig(configs, this.options.config), this.options.split);
    }
    const { files, split } = selected ?? selectFiles(all, { pattern, config: this.options.config, split: this.options.split });
    if (files.length === 0) {
      const data = all.filter((p) => /\.(jsonl|ndjson|json|csv|tsv|parquet)(\.gz)?$/i.test(p));
      throw new SelfjError('NOT_FOUND', `${this.src.name}@${commit.slice(0, 12)}: no data files match${this.describeSelection(split)}${hub.offline ? ' in the cache' : ''}.`, {
        solutions: [
          data.length ? `Data files${hub.offline ? ' cached' : ''} in the repo: ${data.slice(0, 15).join(', ')}${data.length > 15 ? ', ...' : ''}` : 'The repo holds no JSONL/JSON/CSV/Parquet files at this revision.',
          'Choose a config, split or file pattern that matches them.',
          ...(hub.offline ? ['Offline mode only sees cached files: run once online to fetch the rest.'] : []),
        ],
        details: { repo: this.src.repo, commit, split, config: this.options.config, pattern: this.options.pattern ?? this.src.pattern },
      });
    }
    if (hub.offline) {
      const missing = await missingFromCache({ ...hub, revision: commit, paths: files });
      if (missing.length) {
        throw new SelfjError('OFFLINE', `Offline: ${missing.length} file(s) of ${this.src.name} are not in the cache: ${missing.join(', ')}.`, {
          solutions: ['Run once with network access (unset HF_HUB_OFFLINE) to fill the cache.'],
          details: { repo: this.src.repo, commit, missing },
        });
      }
    }
    this.info = { repo: this.src.repo, commit, split, files };
    return this.info;
  }

  private describeSelection(split?: string): string {
    const parts = [
      this.options.config && `config "${this.options.config}"`,
      split && `split "${split}"`,
      (this.options.pattern ?? this.src.pattern) && `pattern "${this.options.pattern ?? this.src.pattern}"`,
    ].filter(Boolean);
    return parts.length ? ` ${parts.join(', ')}` : '';
  }

  async *records(opts: { signal?: AbortSignal } = {}): AsyncGenerator<InstructionRecord> {
    const { signal } = opts;
    const info = await this.resolve(signal);
    // prefetches stop when the consumer stops (limit reached, break, error), not only on the caller's signal
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const hub = { ...this.hubOptions(), revision: info.commit, signal: stop.signal };
    // one download ahead: file k+1 arrives while file k is read
    const pending = new Map<number, Promise<string>>();
    const start = (k: number): Promise<string> => {
      let p = pending.get(k);
      if (!p) {
        p = downloadToCache({
          ...hub,
          path: info.files[k],
          onProgress: this.options.onProgress ? (pr) => this.options.onProgress!({ ...pr, fileIndex: k, fileCount: info.files.length }) : undefined,
        }).then((r) => r.path);
        p.catch(() => undefined); // a prefetch failure surfaces when its file is reached
        pending.set(k, p);
      }
      return p;
    };
    const inputs: FileInput[] = info.files.map((name, k) => ({
      path: name,
      name,
      fetch: () => {
        const p = start(k);
        if (k + 1 < info.files.length) start(k + 1);
        return p;
      },
    }));
    const { source: _s, revision: _r, config: _c, split: _sp, pattern: _p, hubUrl: _h, token: _t, cacheDir: _cd, offline: _o, onProgress: _op, ...fileOptions } = this.options;
    const files = new FilesDataset({ ...fileOptions, files: inputs, source: this.src.name, revision: info.commit, id: this.id });
    try {
      yield* files.records({ signal });
    } finally {
      this.stats = files.stats;
      signal?.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }
}
