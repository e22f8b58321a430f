/**
 * The judge artifact: a directory with manifest.json (self-describing: base model, templates, feature dim, bins,
 * training config and metrics) and weights.bin (float32 little-endian: W [bins*dim], bias [bins], feature mean
 * [dim], feature std [dim]). weights.bin is written first and manifest.json last, both atomically, so a
 * directory with a manifest always has the weights it describes (checked by sha256 on load).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError } from '../errors.js';
import { sha256 } from '../infra/hash.js';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../infra/atomic.js';
import type { ModelInfo } from '../infra/manifest.js';
import type { HeadWeights } from './head-trainer.js';

export const JUDGE_FORMAT = 'selfj-judge';
export const JUDGE_VERSION = 1;

export interface JudgeManifest {
  format: typeof JUDGE_FORMAT;
  version: number;
  kind: 'head';
  configHash: string;
  baseModel: ModelInfo;
  /** Template hashes of the two views (the student one is what a judge is applied with). */
  templates: { withReference: string; referenceFree: string };
  featureDim: number;
  bins: number;
  weights: { file: 'weights.bin'; dtype: 'float32-le'; layout: string[]; bytes: number; sha256: string };
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

export interface LoadedJudge {
  dir: string;
  manifest: JudgeManifest;
  weights: HeadWeights;
}

function toBytes(parts: Float32Array[]): Uint8Array {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  // Float32Array is host-endian; every platform Node ships on is little-endian, which the layout promises.
  return new Uint8Array(all.buffer);
}

export function saveJudge(dir: string, m: Omit<JudgeManifest, 'format' | 'version' | 'kind' | 'weights' | 'featureDim' | 'bins'>, w: HeadWeights): JudgeManifest {
  const bytes = toBytes([w.w, w.bias, w.mean, w.std]);
  writeFileAtomic(join(dir, 'weights.bin'), bytes);
  const manifest: JudgeManifest = {
    format: JUDGE_FORMAT,
    version: JUDGE_VERSION,
    kind: 'head',
    ...m,
    featureDim: w.dim,
    bins: w.bins,
    weights: { file: 'weights.bin', dtype: 'float32-le', layout: [`W[${w.bins}*${w.dim}]`, `bias[${w.bins}]`, `mean[${w.dim}]`, `std[${w.dim}]`], bytes: bytes.length, sha256: sha256(bytes) },
  };
  writeJsonAtomic(join(dir, 'manifest.json'), manifest);
  return manifest;
}

export function loadJudge(dir: string): LoadedJudge {
  const manifest = readJsonFile<JudgeManifest>(join(dir, 'manifest.json'), 'judge manifest');
  if (!manifest) {
    throw new SelfjError('NOT_FOUND', `No judge at ${dir} (manifest.json is missing).`, {
      solutions: ['Train one with `selfj train`', 'Point --judge at the train stage directory (e.g. selfj-demo/train)'],
    });
  }
  if (manifest.format !== JUDGE_FORMAT || manifest.version !== JUDGE_VERSION) {
    throw new SelfjError('ARTIFACT_MISMATCH', `${dir} is not a selfj judge of version ${JUDGE_VERSION} (format ${manifest.format}, version ${manifest.version}).`);
  }
  const buf = readFileSync(join(dir, manifest.weights.file));
  if (buf.length !== manifest.weights.bytes || sha256(buf) !== manifest.weights.sha256) {
    throw new SelfjError('ARTIFACT_CORRUPT', `The judge weights ${join(dir, manifest.weights.file)} do not match their manifest (size or sha256).`, {
      solutions: ['Train the judge again (selfj train --force)'],
    });
  }
  const { featureDim: dim, bins } = manifest;
  const f = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  if (f.length !== bins * dim + bins + 2 * dim) throw new SelfjError('ARTIFACT_CORRUPT', `Judge weights at ${dir} have ${f.length} floats; expected ${bins * dim + bins + 2 * dim}.`);
  let o = 0;
  const take = (len: number) => f.slice(o, (o += len));
  const weights: HeadWeights = { w: take(bins * dim), bias: take(bins), mean: take(dim), std: take(dim), dim, bins };
  return { dir, manifest, weights };
}

export interface JudgeTarget {
  model: ModelInfo;
  referenceFreeTemplate: string;
  featureDim?: number;
}

/** Throws ARTIFACT_MISMATCH listing every reason the judge does not fit this backend and template. */
export function checkJudgeFits(j: LoadedJudge, t: JudgeTarget): void {
  const why: string[] = [];
  const m = j.manifest;
  if (m.baseModel.fileHash && t.model.fileHash && m.baseModel.fileHash !== t.model.fileHash) {
    why.push(`it was trained on model file ${m.baseModel.fileHash} (${m.baseModel.id}); this backend runs ${t.model.fileHash} (${t.model.id})`);
  } else if (!(m.baseModel.fileHash && t.model.fileHash) && m.baseModel.id !== t.model.id) {
    why.push(`it was trained on ${m.baseModel.id}; this backend is ${t.model.id}`);
  }
  if (m.templates.referenceFree !== t.referenceFreeTemplate) {
    why.push(`its reference-free prompt template hash is ${m.templates.referenceFree}; the current template hashes to ${t.referenceFreeTemplate} (changed template or chat mode)`);
  }
  if (t.featureDim !== undefined && t.featureDim !== m.featureDim) why.push(`it expects ${m.featureDim}-dimensional features; the backend gives ${t.featureDim}`);
  if (m.bins !== 10) why.push(`it has ${m.bins} score bins; selfj judges use 10 (digits 0..9)`);
  if (why.length) {
    throw new SelfjError('ARTIFACT_MISMATCH', `The judge at ${j.dir} does not fit: ${why.join('; ')}.`, {
      details: { reasons: why },
      solutions: ['Use the backend, model and templates the judge was trained with', 'Or train a judge for this model (selfj train)', 'Or judge zero-shot (omit --judge)'],
    });
  }
}
