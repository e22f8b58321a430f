/**
 * The machine a benchmark ran on (CPU model, SIMD flags, the ISA each kernel was dispatched to, threads) and its
 * roofline: the addon's STREAM-style read probe and FMA-peak probe, sampled several times in the run (best kept).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as api from '../index.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  /** SIMD-relevant CPU flags (from /proc/cpuinfo; empty elsewhere). */
  flags: string[];
  node: string;
  platform: string;
  date: string;
  backend: string;
  /** Widest CPU ISA of the addon (or the forced one). */
  isa: string;
  /** ISA each kernel ran on, and how that was chosen. */
  kernels: Record<string, string>;
  dispatch: string;
  threads: number;
  addonVersion?: string;
}

export interface Roofline {
  /** Best streaming read over every sample, GB/s, on all pool threads and on one. */
  readGbps: number | null;
  readGbps1: number | null;
  /** Every all-thread sample, in order (the spread shows how noisy the run was). */
  readSamples: number[];
  bytes: number;
  /**
   * Best all-thread read of a buffer the size of each kernel's input (bytes -> GB/s). A buffer a few times the
   * last-level cache still partly hits in it (AMD's L3 keeps some lines of a cyclic stream): on a Zen 5 VM 64 MiB
   * read at ~70 GB/s, 128 MiB at ~55, 256 MiB at ~49, 1 GiB at ~47. So each kernel is held to a probe of its own size,
   * sampled in the same alternating rounds as the kernel (shared machines' bandwidth moves 2x within a minute).
   */
  readAtSize?: Record<string, number>;
  /** Register-only FMA throughput per ISA on all pool threads and on one, GFLOP/s. */
  fma: Record<string, { all: number | null; one: number | null }>;
  /** The widest ISA's all-thread FMA peak (the compute roof). */
  fmaGflops: number | null;
}

const SIMD_FLAG = /^(sse4_2|avx|avx2|fma|f16c|avx512\w*|amx\w*|avx_vnni|asimd\w*|sve\w*|neon)$/;

export function machineInfo(): MachineInfo {
  let flags: string[] = [];
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    flags = (line?.split(':')[1] ?? '').trim().split(/\s+/).filter((f) => SIMD_FLAG.test(f)).sort();
  } catch {
    // not Linux
  }
  const info = api.info();
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    flags,
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    date: new Date().toISOString(),
    backend: info.backend,
    isa: info.isa,
    kernels: { ...(info.kernels ?? {}) },
    dispatch: info.dispatch ? `${info.dispatch.source}${info.dispatch.reason ? ` (${info.dispatch.reason})` : ''}` : 'n/a',
    threads: info.threads,
    addonVersion: info.version,
  };
}

/** Samples the probes; call sample() between measurements, then result(). */
export class RooflineProbe {
  private readonly samples: number[] = [];
  private readonly samples1: number[] = [];
  private readonly atSize = new Map<number, number>();
  readonly fma: Roofline['fma'] = {};

  constructor(private readonly bytes: number, private readonly isas: string[]) {}

  /** Best of 8 passes on all threads and 4 on one: as many chances as a kernel's repetitions get on a shared machine. */
  sample(): void {
    const all = api.readBandwidthProbe(this.bytes, 8);
    const one = api.readBandwidthProbe(this.bytes, 4, 1);
    if (all !== null) this.samples.push(all);
    if (one !== null) this.samples1.push(one);
  }

  /** The same read over a buffer of `bytes` (a kernel's input size), best of `passes`, kept per size (best). */
  sampleAt(bytes: number, passes = 8): void {
    const v = api.readBandwidthProbe(bytes, passes);
    if (v !== null) this.atSize.set(bytes, Math.max(this.atSize.get(bytes) ?? 0, v));
  }

  sampleFma(): void {
    const threads = api.info().threads;
    for (const isa of this.isas) {
      const prev = this.fma[isa] ?? { all: null, one: null };
      const all = api.fmaPeakProbe(threads, isa), one = api.fmaPeakProbe(1, isa);
      this.fma[isa] = { all: Math.max(prev.all ?? 0, all ?? 0) || null, one: Math.max(prev.one ?? 0, one ?? 0) || null };
    }
  }

  result(): Roofline {
    const best = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
    return {
      readGbps: best(this.samples), readGbps1: best(this.samples1), readSamples: this.samples.map((x) => +x.toFixed(2)),
      bytes: this.bytes, readAtSize: Object.fromEntries([...this.atSize].map(([b, v]) => [String(b), +v.toFixed(2)])), fma: this.fma, fmaGflops: this.isas.length ? this.fma[this.isas[0]]?.all ?? null : null,
    };
  }
}
