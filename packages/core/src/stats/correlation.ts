import { averageRanks } from './ranks.js';
import { checkPairedNumbers } from './validate.js';

/**
 * Pearson's r. A constant input has no defined correlation: NaN is returned (callers report it as "n/a"),
 * never a made-up 0.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairedNumbers('pearson', x, y, 2);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Spearman's rho: Pearson on average ranks (handles ties). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairedNumbers('spearman', x, y, 2);
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's tau-b (tie-corrected), O(n log n) with Knight's algorithm: sort by (x, y), count discordant pairs as
 * the swaps of a merge sort on y, and correct for ties in x, in y, and in both.
 */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkPairedNumbers('kendallTauB', x, y, 2);
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const ys = Float64Array.from(idx, (i) => y[i]);
  const totalPairs = (n * (n - 1)) / 2;

  let tiedX = 0; // pairs tied in x
  let tiedXY = 0; // pairs tied in both
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const run = j - i + 1;
    tiedX += (run * (run - 1)) / 2;
    for (let a = i; a <= j; ) {
      let b = a;
      while (b + 1 <= j && ys[b + 1] === ys[a]) b++;
      const r = b - a + 1;
      tiedXY += (r * (r - 1)) / 2;
      a = b + 1;
    }
    i = j + 1;
  }

  const swaps = mergeSortCountSwaps(ys);
  let tiedY = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && ys[j + 1] === ys[i]) j++;
    const run = j - i + 1;
    tiedY += (run * (run - 1)) / 2;
    i = j + 1;
  }
  // concordant - discordant = total - tiedX - tiedY + tiedXY - 2 * discordant
  const num = totalPairs - tiedX - tiedY + tiedXY - 2 * swaps;
  const den = Math.sqrt((totalPairs - tiedX) * (totalPairs - tiedY));
  if (den === 0) return NaN;
  return Math.max(-1, Math.min(1, num / den));
}

/** Sorts `a` ascending in place and returns the number of strictly inverted pairs. */
function mergeSortCountSwaps(a: Float64Array<ArrayBuffer>): number {
  const n = a.length;
  let buf: Float64Array<ArrayBuffer> = new Float64Array(n);
  let src = a;
  let swaps = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          swaps += mid - i;
          buf[k++] = src[j++];
        } else {
          buf[k++] = src[i++];
        }
      }
      while (i < mid) buf[k++] = src[i++];
      while (j < hi) buf[k++] = src[j++];
    }
    const t = src;
    src = buf;
    buf = t;
  }
  if (src !== a) a.set(src);
  return swaps;
}
