/**
 * Binomial tail probabilities and the Clopper-Pearson bound, in log space so that n in the hundreds of
 * thousands stays exact to double precision.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for x > 0 (Lanczos, g = 7; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function logBinomPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 0 : -Infinity;
  if (p === 1) return k === n ? 0 : -Infinity;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  // sum the pmf from the mode side down for accuracy, in log space
  let max = -Infinity;
  const logs = new Float64Array(k + 1);
  for (let i = 0; i <= k; i++) {
    logs[i] = logBinomPmf(i, n, p);
    if (logs[i] > max) max = logs[i];
  }
  if (max === -Infinity) return 0;
  let s = 0;
  for (let i = 0; i <= k; i++) s += Math.exp(logs[i] - max);
  return Math.min(1, Math.exp(max + Math.log(s)));
}

/**
 * Clopper-Pearson upper confidence bound: the largest p with P(X <= k | n, p) >= delta, i.e. with probability at
 * least 1 - delta the true rate is at most this. n = 0 gives 1 (nothing observed, nothing guaranteed).
 */
export function clopperPearsonUpper(k: number, n: number, delta: number): number {
  if (n === 0) return 1;
  if (k >= n) return 1;
  let lo = k / n;
  let hi = 1;
  for (let it = 0; it < 100; it++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(k, n, mid) > delta) lo = mid;
    else hi = mid;
  }
  return hi;
}
