import type { SelfjConfig } from '../config/index.js';

/** The data set loader's options: the config's, plus the fields later stages read (an external grade, recorded answers). */
export function loaderOptions(c: SelfjConfig): Record<string, unknown> {
  const recorded = /^recorded(?::(.+))?$/.exec(c.sample.sampler);
  const given = Array.isArray(c.data.options.keep) ? (c.data.options.keep as string[]) : [];
  const keep = [...new Set([...given, ...(c.grade.field ? [c.grade.field] : []), ...(recorded ? [recorded[1] ?? 'response'] : [])])];
  return keep.length ? { ...c.data.options, keep } : c.data.options;
}
