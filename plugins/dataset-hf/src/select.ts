/**
 * Which repo files make up a config and split, following the Hugging Face `datasets` conventions for data files:
 * a split is named by a path component or a file-name word (train/training, validation/valid/dev/val,
 * test/testing/eval/evaluation), delimited by - . _ space digits or /; a config is a folder name. Also works on the
 * Parquet conversion branch (refs/convert/parquet: <config>/<split>/0000.parquet).
 */
import { SelfjError } from '@selfj/core';
import { globToRegExp, isDataFile, matchGlob } from '@selfj/dataset-files';
import type { CardConfig } from './readme-configs.js';

const SPLIT_SYNONYMS: Record<string, string[]> = {
  train: ['train', 'training'],
  validation: ['validation', 'valid', 'dev', 'val'],
  test: ['test', 'testing', 'eval', 'evaluation'],
};

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function splitRegExp(split: string): RegExp {
  const words = SPLIT_SYNONYMS[split] ?? [split];
  return new RegExp(`(?:^|[-._ /0-9])(?:${words.map(escapeRegExp).join('|')})(?=[-._ /0-9]|$)`, 'i');
}

/** The path without its data-file extension(s), so "train.jsonl" matches "train" but "x.train" cannot come from ".jsonl". */
function stem(path: string): string {
  return path.replace(/(\.(jsonl|ndjson|jsonlines|json|csv|tsv|tab|parquet|pq))?(\.(gz|gzip))?$/i, '');
}

export interface Selection {
  pattern?: string;
  config?: string;
  split?: string;
}

/** Files by a data set card's config: the split's globs (default split: train, else the first declared). */
export function selectByCard(paths: string[], config: CardConfig, split?: string): { files: string[]; split: string } {
  const splits = Object.keys(config.dataFiles);
  const chosen = split ?? (splits.includes('train') ? 'train' : splits[0]);
  const globs = config.dataFiles[chosen];
  if (!globs) {
    throw new SelfjError('BAD_CONFIG', `Config "${config.name}" has no split "${chosen}".`, {
      solutions: [`Choose one of its splits: ${splits.join(', ')}.`],
      details: { config: config.name, splits },
    });
  }
  const res = globs.map((g) => globToRegExp(g.replace(/^\.?\//, '')));
  return { files: paths.filter((p) => res.some((re) => re.test(p))).sort(), split: chosen };
}

export function selectFiles(paths: string[], sel: Selection): { files: string[]; split?: string } {
  let files = paths.filter((p) => isDataFile(p) && !p.split('/').some((part) => part.startsWith('.')));
  if (sel.pattern) files = files.filter((p) => matchGlob(sel.pattern!, p));
  if (sel.config) files = files.filter((p) => p.split('/').slice(0, -1).includes(sel.config!) || stem(p).split('/').pop() === sel.config);
  let split = sel.split;
  // no split named: take "train" when the repo has one (a loader reads one split; mixing train and test would leak)
  if (!split && !sel.pattern && files.some((p) => splitRegExp('train').test(stem(p)))) split = 'train';
  if (split) {
    const re = splitRegExp(split);
    files = files.filter((p) => re.test(stem(p)));
  }
  return { files: files.sort(), split };
}
