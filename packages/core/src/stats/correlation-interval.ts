/**
 * Fisher's z interval of a Pearson correlation: atanh(r) is close to normal with standard error 1 / sqrt(n - 3),
 * so the interval is tanh(atanh(r) -+ z * se). Used to say whether a judge's correlation with a grade can be told
 * apart from zero.
 */

/** The standard normal's 97.5% quantile: a two-sided 95% interval. */
export const Z_975 = 1.959963984540054;

/** |r| is kept just below 1 so that atanh stays finite (r = +-1 gives an interval of width ~0 at the bound). */
const R_LIMIT = 0.999999999;

/**
 * The two-sided interval of Pearson's r over n items (default 95%; `z` is the normal quantile of the level).
 * Undefined when r is not a number (constant scores) or n < 4 (no standard error).
 */
export function pearsonInterval(r: number, n: number, z: number = Z_975): { low: number; high: number } | undefined {
  if (!Number.isFinite(r) || !(n >= 4)) return undefined;
  const center = Math.atanh(Math.max(-R_LIMIT, Math.min(R_LIMIT, r)));
  const se = 1 / Math.sqrt(n - 3);
  return { low: Math.tanh(center - z * se), high: Math.tanh(center + z * se) };
}
