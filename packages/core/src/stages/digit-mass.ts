/**
 * How much probability the score digits got, over a whole self-eval or judge artifact: the distribution of the
 * per-item digit mass (min, 5th percentile, median, max) and how many items were rejected for too little of it.
 * A low median means the model mostly does not answer with a digit, so its scores say little; every summary of
 * these stages shows it. It is computed from the artifact's files (resumed records included) and recorded in the
 * manifest's `extra.digitMass`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../config/index.js';
import { readJsonl } from '../infra/jsonl.js';
import { lockDir } from '../infra/lock.js';
import type { Logger } from '../infra/logger.js';
import { RECORDS_FILE, REJECTS_FILE, readManifest, writeManifest } from '../infra/manifest.js';
import { LOW_DIGIT_MASS, NO_DIGIT_VISIBLE } from './digit-scoring.js';

export interface MassQuantiles {
  n: number;
  min: number;
  /** 5th percentile (nearest rank). */
  p5: number;
  median: number;
  max: number;
}

export interface DigitMassSummary {
  /** The floor the stage applied (0: none). */
  floor: number;
  /** Per prompt view: "withReference" and "referenceFree" (self-eval), "referenceFree" (judge). */
  views: Record<string, MassQuantiles>;
  /** Items rejected because no digit was visible or their digit mass was below the floor. */
  rejectedLowMass: number;
}

/** Below this median the model mostly answers with something other than a digit (the default floor). */
export const LOW_MEDIAN_MASS = DEFAULT_CONFIG.scoring.minDigitMass;

export function massQuantiles(values: ArrayLike<number>): MassQuantiles | undefined {
  const n = values.length;
  if (!n) return undefined;
  const s = Float64Array.from(values).sort();
  const rank = (q: number) => s[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { n, min: s[0], p5: rank(0.05), median, max: s[n - 1] };
}

/** Where each stage keeps the digit mass of each view. */
const VIEWS: Record<string, Record<string, (v: Record<string, unknown>) => unknown>> = {
  'self-eval': {
    withReference: (v) => (v.withReference as { digitMass?: unknown } | undefined)?.digitMass,
    referenceFree: (v) => (v.referenceFree as { digitMass?: unknown } | undefined)?.digitMass,
  },
  judge: { referenceFree: (v) => v.digitMass },
};

/** The digit-mass summary of a self-eval or judge artifact directory (undefined for other stages). */
export async function digitMassSummary(dir: string, floor: number, stage = readManifest(dir)?.stage): Promise<DigitMassSummary | undefined> {
  const views = stage ? VIEWS[stage] : undefined;
  if (!views) return undefined;
  const values: Record<string, number[]> = Object.fromEntries(Object.keys(views).map((k) => [k, []]));
  const records = join(dir, RECORDS_FILE);
  if (existsSync(records)) {
    for await (const l of readJsonl(records)) {
      if (!l.value) continue;
      for (const [view, pick] of Object.entries(views)) {
        const m = pick(l.value);
        if (typeof m === 'number' && Number.isFinite(m)) values[view].push(m);
      }
    }
  }
  let rejectedLowMass = 0;
  const rejects = join(dir, REJECTS_FILE);
  if (existsSync(rejects)) {
    for await (const l of readJsonl(rejects)) {
      const reason = l.value?.reason;
      if (typeof reason === 'string' && (reason.includes(LOW_DIGIT_MASS) || reason.includes(NO_DIGIT_VISIBLE))) rejectedLowMass++;
    }
  }
  const out: Record<string, MassQuantiles> = {};
  for (const [view, v] of Object.entries(values)) {
    const q = massQuantiles(v);
    if (q) out[view] = q;
  }
  return { floor, views: out, rejectedLowMass };
}

const VIEW_NAMES: Record<string, string> = { withReference: 'with reference', referenceFree: 'reference-free' };
const g = (x: number) => x.toPrecision(2);

/** One line for people: "digit mass (with reference) min 1.1e-4, p5 ..., median ...; ...". */
export function describeDigitMass(s: DigitMassSummary): string {
  const parts = Object.entries(s.views).map(([view, q]) => `digit mass (${VIEW_NAMES[view] ?? view}) min ${g(q.min)}, p5 ${g(q.p5)}, median ${g(q.median)}`);
  if (!parts.length) parts.push('digit mass: no scored items');
  const floor = s.floor > 0 ? `floor ${s.floor}, ${s.rejectedLowMass} rejected below it` : 'no floor';
  const low = Object.values(s.views).some((q) => q.median < LOW_MEDIAN_MASS)
    ? `; median below ${LOW_MEDIAN_MASS}: the model mostly does not answer with a digit, so these scores are close to noise`
    : '';
  return `${parts.join('; ')} (${floor})${low}`;
}

/**
 * Computes the summary of a complete, whole (not shard) self-eval or judge artifact and records it in its
 * manifest as `extra.digitMass`, holding the directory's lock while it writes. `floor` defaults to the one the
 * self-eval manifest records (e.g. after `selfj merge`).
 */
export async function recordDigitMass(dir: string, floor?: number, logger?: Logger): Promise<DigitMassSummary | undefined> {
  const before = readManifest(dir);
  if (!before?.complete || before.shard) return undefined;
  const recorded = (before.config as { minDigitMass?: unknown } | undefined)?.minDigitMass;
  const summary = await digitMassSummary(dir, floor ?? (typeof recorded === 'number' ? recorded : 0), before.stage);
  if (!summary) return undefined;
  const lock = lockDir(dir, { purpose: `${before.stage} digit-mass summary`, logger });
  try {
    const m = readManifest(dir);
    if (!m?.complete || m.configHash !== before.configHash) return summary; // redone meanwhile: leave it to that run
    writeManifest(dir, { ...m, extra: { ...m.extra, digitMass: summary } });
  } finally {
    lock.release();
  }
  const low = Object.entries(summary.views).filter(([, q]) => q.median < LOW_MEDIAN_MASS);
  if (low.length) {
    const medians = Object.fromEntries(low.map(([view, q]) => [view, Number(q.median.toPrecision(2))]));
    logger?.warn('digit-mass.low', { stage: before.stage, dir, median: medians, note: 'the model mostly does not answer with a digit; its scores are close to noise' });
  }
  return summary;
}
