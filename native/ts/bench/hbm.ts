/**
 * The memory-bandwidth reference of the CUDA targets ("device-resident GB/s >= 0.7x HBM"): the vendor's peak figure
 * for the device the addon reports (cudaDeviceProp.name), from a small table, or `--hbm-gbps <n>`. A device not in
 * the table has no reference, so its CUDA targets are n/a: never a comparison with another GPU's figure.
 */

export interface HbmReference {
  /** Peak GB/s, or null when the device is not in the table and no --hbm-gbps was given. */
  gbps: number | null;
  /** Where the figure came from, or what to do without one. */
  source: string;
}

/** Vendors' published peaks (GB/s), matched against the CUDA device name without its "NVIDIA " prefix. */
export const HBM_PEAKS: readonly { gpu: string; gbps: number; name: RegExp }[] = [
  { gpu: 'H200', gbps: 4800, name: /^H200$/i },
  { gpu: 'H100 SXM', gbps: 3350, name: /^H100 (80GB HBM3|SXM5? 80GB)$/i },
  { gpu: 'H100 PCIe', gbps: 2000, name: /^H100 PCIe$/i },
  { gpu: 'A100 80GB SXM', gbps: 2039, name: /^A100-SXM4?-80GB$/i },
  { gpu: 'A100 80GB PCIe', gbps: 1935, name: /^A100 80GB PCIe$/i },
  { gpu: 'A100 40GB', gbps: 1555, name: /^A100-(SXM4?|PCIE)-40GB$/i },
  { gpu: 'L40S', gbps: 864, name: /^L40S$/i },
  { gpu: 'A10', gbps: 600, name: /^A10$/i },
  { gpu: 'RTX 4090', gbps: 1008, name: /^(GeForce )?RTX 4090$/i },
];

/** The reference for a device name; `override` (--hbm-gbps) wins over the table. */
export function hbmReference(device: string, override?: number): HbmReference {
  if (override !== undefined) return { gbps: override, source: '--hbm-gbps' };
  const bare = device.trim().replace(/\s+/g, ' ').replace(/^NVIDIA /i, '');
  const hit = HBM_PEAKS.find((p) => p.name.test(bare));
  if (hit) return { gbps: hit.gbps, source: `published peak of the ${hit.gpu}` };
  return { gbps: null, source: `no memory-bandwidth reference for "${device}": pass --hbm-gbps <n> (its peak GB/s)` };
}

/** Parses --hbm-gbps: a positive number, or undefined when absent. */
export function parseHbmGbps(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isFinite(n) && n > 0)) throw new Error(`--hbm-gbps must be a number > 0 (GB/s; got ${value})`);
  return n;
}
