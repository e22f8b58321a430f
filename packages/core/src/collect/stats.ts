/** Collect statistics: counts per source and category, drops by reason, length histograms; JSON and a table. */

export interface SourceStats {
  read: number;
  kept: number;
  bad: number;
  /** Records that belong to another shard (not read further). */
  otherShard: number;
  dropped: Record<string, number>;
  /** Set when the source stopped early with an error under onBadRecord "skip". */
  incomplete?: string;
}

export interface CategoryStats {
  kept: number;
  train: number;
  test: number;
  sampledOut: number;
}

/** Counts per bucket; bucket i holds lengths in [edges[i], edges[i+1]) (the last is open-ended). */
export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface CollectStats {
  version: 1;
  shard?: { index: number; count: number };
  sources: Record<string, SourceStats>;
  categories: Record<string, CategoryStats>;
  dropped: Record<string, number>;
  totals: { read: number; kept: number; bad: number; dropped: number; train: number; test: number; sampledOut: number };
  histograms: { instructionChars: Histogram; referenceChars: Histogram };
  dedupe: { exactKeys: number; nearBands: number; indexBytes: number };
  seconds: number;
  /** Of `seconds`, the time spent in the second pass (split/sample and writing train/test). */
  splitSeconds?: number;
}

/** 0, 16, 32, 64, ... 65536 characters. */
const EDGES = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

function bucket(len: number): number {
  if (len < 16) return 0;
  const b = 31 - Math.clz32(len) - 3; // 16..31 -> 1, 32..63 -> 2, ...
  return Math.min(b, EDGES.length - 1);
}

export function emptyStats(): CollectStats {
  return {
    version: 1,
    sources: {},
    categories: {},
    dropped: {},
    totals: { read: 0, kept: 0, bad: 0, dropped: 0, train: 0, test: 0, sampledOut: 0 },
    histograms: {
      instructionChars: { edges: EDGES.slice(), counts: EDGES.map(() => 0) },
      referenceChars: { edges: EDGES.slice(), counts: EDGES.map(() => 0) },
    },
    dedupe: { exactKeys: 0, nearBands: 0, indexBytes: 0 },
    seconds: 0,
  };
}

export function sourceStats(stats: CollectStats, name: string): SourceStats {
  return (stats.sources[name] ??= { read: 0, kept: 0, bad: 0, otherShard: 0, dropped: {} });
}

export function categoryStats(stats: CollectStats, name: string): CategoryStats {
  return (stats.categories[name] ??= { kept: 0, train: 0, test: 0, sampledOut: 0 });
}

export function countDrop(stats: CollectStats, src: SourceStats, reason: string): void {
  src.dropped[reason] = (src.dropped[reason] ?? 0) + 1;
  stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
  stats.totals.dropped++;
}

export function countKept(stats: CollectStats, src: SourceStats, category: string, insLen: number, refLen: number): void {
  src.kept++;
  stats.totals.kept++;
  categoryStats(stats, category).kept++;
  stats.histograms.instructionChars.counts[bucket(insLen)]++;
  stats.histograms.referenceChars.counts[bucket(refLen)]++;
}

/** Renders the stats as a plain-text table for terminals. */
export function formatStats(stats: CollectStats): string {
  const lines: string[] = [];
  const reasons = Object.keys(stats.dropped).sort();
  const row = (cells: (string | number)[], widths: number[]): string =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const srcHead = ['source', 'read', 'kept', 'bad', ...reasons];
  const srcRows = Object.entries(stats.sources).map(([name, s]) => [
    name + (s.incomplete ? ' (incomplete)' : ''), s.read, s.kept, s.bad, ...reasons.map((r) => s.dropped[r] ?? 0),
  ]);
  const t = stats.totals;
  srcRows.push(['TOTAL', t.read, t.kept, t.bad, ...reasons.map((r) => stats.dropped[r] ?? 0)]);
  const w1 = srcHead.map((h, i) => Math.max(h.length, ...srcRows.map((r) => String(r[i]).length)));
  lines.push(row(srcHead, w1), row(w1.map((w) => '-'.repeat(w)), w1), ...srcRows.map((r) => row(r, w1)), '');
  const catHead = ['category', 'kept', 'sampled out', 'train', 'test'];
  const catRows = Object.entries(stats.categories).map(([c, s]) => [c, s.kept, s.sampledOut, s.train, s.test]);
  const w2 = catHead.map((h, i) => Math.max(h.length, ...catRows.map((r) => String(r[i]).length)));
  lines.push(row(catHead, w2), row(w2.map((w) => '-'.repeat(w)), w2), ...catRows.map((r) => row(r, w2)), '');
  const h = stats.histograms;
  lines.push('length (chars)   instruction   reference');
  for (let i = 0; i < h.instructionChars.edges.length; i++) {
    if (h.instructionChars.counts[i] === 0 && h.referenceChars.counts[i] === 0) continue;
    const lo = h.instructionChars.edges[i];
    const hi = h.instructionChars.edges[i + 1];
    const label = hi === undefined ? `>= ${lo}` : `${lo}-${hi - 1}`;
    lines.push(`${label.padEnd(15)}  ${String(h.instructionChars.counts[i]).padStart(11)}  ${String(h.referenceChars.counts[i]).padStart(10)}`);
  }
  lines.push('', `${t.read} read, ${t.kept} kept, ${t.dropped} dropped, ${t.bad} bad; train ${t.train}, test ${t.test}; ${stats.seconds.toFixed(1)} s${stats.splitSeconds !== undefined ? ` (split pass ${stats.splitSeconds.toFixed(1)} s)` : ''}`);
  return lines.join('\n');
}

/** Adds the per-source counts of shard stats (for merge); categories and histograms are recomputed by merge. */
export function addSourceCounts(into: CollectStats, from: CollectStats): void {
  for (const [name, s] of Object.entries(from.sources)) {
    const d = sourceStats(into, name);
    d.read += s.read;
    d.bad += s.bad;
    d.otherShard += s.otherShard;
    if (s.incomplete) d.incomplete = d.incomplete ? `${d.incomplete}; ${s.incomplete}` : s.incomplete;
    for (const [r, n] of Object.entries(s.dropped)) {
      d.dropped[r] = (d.dropped[r] ?? 0) + n;
      into.dropped[r] = (into.dropped[r] ?? 0) + n;
      into.totals.dropped += n;
    }
  }
  into.totals.read += from.totals.read;
  into.totals.bad += from.totals.bad;
}
