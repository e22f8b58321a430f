/**
 * The `configs:` block of a data set card (README.md YAML front matter), as the `datasets` library reads it:
 *   configs:
 *   - config_name: default            (default: true marks the default config)
 *     data_files:                     a glob, a list of globs (= split "train"), or a list of {split, path}
 *     - split: train
 *       path: data/train-*
 */
import { SelfjError } from '@selfj/core';
import { parse } from 'yaml';

export interface CardConfig {
  name: string;
  isDefault: boolean;
  /** split -> globs over repo paths. */
  dataFiles: Record<string, string[]>;
}

function frontMatter(readme: string): string | undefined {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(readme);
  return m?.[1];
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]);

function dataFilesOf(v: unknown): Record<string, string[]> {
  if (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) return { train: list(v) };
  const out: Record<string, string[]> = {};
  if (Array.isArray(v)) {
    for (const e of v as Array<{ split?: unknown; path?: unknown }>) {
      if (!e || typeof e !== 'object') continue;
      const split = String(e.split ?? 'train');
      out[split] = [...(out[split] ?? []), ...list(e.path)];
    }
  } else if (v && typeof v === 'object') {
    for (const [split, p] of Object.entries(v)) out[split] = list(p); // {train: "...", test: [...]}
  }
  return out;
}

/** The configs a card declares ([] when it declares none or has no front matter). */
export function parseCardConfigs(readme: string, where = 'README.md'): CardConfig[] {
  const yaml = frontMatter(readme);
  if (!yaml) return [];
  let doc: unknown;
  try {
    doc = parse(yaml);
  } catch (e) {
    throw new SelfjError('BAD_INPUT', `The data set card ${where} has unreadable YAML front matter: ${(e as Error).message}`, {
      solutions: ['Select files explicitly with a config-free file pattern (pattern option or hf://datasets/<repo>/<glob>).'],
    });
  }
  const configs = (doc as { configs?: unknown })?.configs;
  if (!Array.isArray(configs)) return [];
  return configs
    .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === 'object')
    .map((c) => ({ name: String(c.config_name ?? 'default'), isDefault: c.default === true, dataFiles: dataFilesOf(c.data_files) }))
    .filter((c) => Object.keys(c.dataFiles).length > 0);
}

/** The config to use: the one asked for, else the one marked default, else "default", else the only one. */
export function pickConfig(configs: CardConfig[], wanted?: string): CardConfig {
  const names = configs.map((c) => c.name);
  const found = wanted !== undefined ? configs.find((c) => c.name === wanted) : (configs.find((c) => c.isDefault) ?? configs.find((c) => c.name === 'default') ?? (configs.length === 1 ? configs[0] : undefined));
  if (!found) {
    throw new SelfjError('BAD_CONFIG', wanted !== undefined ? `The data set has no config "${wanted}".` : `The data set has several configs; choose one: ${names.join(', ')}.`, {
      solutions: [`Set config to one of: ${names.join(', ')}.`],
      details: { configs: names },
    });
  }
  return found;
}
