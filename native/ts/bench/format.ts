/** Human output of a benchmark result: the text table (default) and the Markdown summary (`--markdown <file>`). */
import { fmt } from './measure.js';
import { KERNEL_ORDER, allRows, probeSanity, readRoof, roofline, type BenchResult } from './report.js';

interface Line {
  label: string;
  cells: string[];
}

const HEAD = ['ms (best)', 'ms (median)', 'GB/s', 'GFLOP/s', 'x TS ref', 'x read BW', 'x roofline', 'bound'];

function rows(r: BenchResult): { kernel: string; lines: Line[] }[] {
  const all = allRows(r);
  return KERNEL_ORDER.map((kernel) => {
    const js = all.find((x) => x.kernel === kernel && x.backend === 'js');
    const cpu = all.find((x) => x.kernel === kernel && x.backend === 'cpu');
    // The dispatched ISA's own row repeats the cpu row: shown once.
    const shown = all.filter((x) => x.kernel === kernel && !(cpu && x.backend === `cpu-${cpu.isa}`));
    const lines = shown.map((x) => {
      const roof = roofline(x, r.roofline);
      const label = x.backend === 'cpu' ? `cpu = ${x.isa ?? '?'} (dispatched)` : `${x.backend}${x.scaled ? ' (scaled)' : ''}`;
      return {
        label,
        cells: [fmt(x.ms, 3), fmt(x.medianMs, 3), fmt(x.gbps), fmt(x.gflops), fmt(js ? js.ms / x.ms : null),
          fmt(readRoof(x, r.roofline) ? x.gbps / readRoof(x, r.roofline)! : null), fmt(roof.ms ? roof.ms / x.ms : null), roof.bound],
      };
    });
    return { kernel: `${kernel} ${r.shapes[kernel]}`, lines };
  });
}

function headline(r: BenchResult): string[] {
  const m = r.machine, rf = r.roofline;
  const fma = Object.entries(rf.fma).map(([isa, v]) => `${isa} ${fmt(v.all)} (1 thread ${fmt(v.one)})`).join(', ');
  return [
    `${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu} (${m.platform}), ${m.cores} logical cores, Node ${m.node}` +
      `${r.quick ? ', --quick sizes' : ''}`,
    `addon ${m.addonVersion ?? '?'}: backend ${m.backend}, ${m.threads} threads, widest ISA ${m.isa}; dispatch ${m.dispatch}: ` +
      KERNEL_ORDER.map((k) => `${k} ${m.kernels[k] ?? '?'}`).join(', '),
    `SIMD flags: ${m.flags.join(' ') || 'n/a'}`,
    `streaming read (best of ${rf.readSamples.length} samples through the run, ${(rf.bytes / 2 ** 20).toFixed(0)} MiB): ` +
      `${fmt(rf.readGbps)} GB/s on ${m.threads} threads (samples ${rf.readSamples.map((x) => fmt(x)).join(', ')}), ` +
      `${fmt(rf.readGbps1)} GB/s on 1; FMA peak GFLOP/s: ${fma || 'n/a'}`,
    ...(rf.readAtSize && Object.keys(rf.readAtSize).length
      ? [`read at each kernel's input size (the roof of its "x read BW"): ${Object.entries(rf.readAtSize)
          .map(([b, v]) => `${(Number(b) / 2 ** 20).toFixed(0)} MiB ${fmt(v)} GB/s`).join(', ')} (sampled in the kernels' rounds)`]
      : []),
  ];
}

export function printReport(r: BenchResult): void {
  const out = [`@selfj/native benchmark`, ...headline(r), ''];
  const widths = [34, 10, 11, 8, 8, 9, 9, 10, 8];
  const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
  out.push(pad(['kernel / backend', ...HEAD]));
  for (const g of rows(r)) {
    out.push(g.kernel);
    for (const l of g.lines) out.push(pad([`  ${l.label}`, ...l.cells]));
  }
  for (const p of r.peers) out.push(`peer ${p.name}: ${p.note || (p.measurement ? '' : 'n/a')}`);
  for (const n of [...r.notes, ...probeSanity(r)]) out.push(`note: ${n}`);
  out.push('');
  if (r.cuda) {
    const hbm = r.cuda.hbmGbps ? `memory-bandwidth reference ${r.cuda.hbmGbps} GB/s, ${r.cuda.hbmSource ?? 'as recorded'}`
      : `memory-bandwidth reference n/a: ${r.cuda.hbmSource ?? 'pass --hbm-gbps <n>'}`;
    out.push(`CUDA ${r.cuda.device} (${hbm})`);
    for (const c of r.cuda.rows) {
      out.push(`  ${c.kernel.padEnd(20)} host ${fmt(c.hostMs, 3)} ms, device ${fmt(c.deviceMs, 3)} ms, ${fmt(c.deviceGbps)} GB/s` +
        `${c.deviceMs ? `, PCIe share ${((1 - c.deviceMs / c.hostMs) * 100).toFixed(0)}%` : ''}`);
    }
  } else {
    out.push('CUDA: n/a (no CUDA device, or the addon was built without CUDA)');
  }
  out.push('', 'targets (issue 14; TARGETS in bench/report.ts)');
  for (const t of r.targets) {
    out.push(`  ${t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS'}  ${t.check}: ${fmt(t.measured)} (wanted >= ${t.target})` +
      `${t.note ? `; ${t.note}` : ''}`);
  }
  console.log(out.join('\n'));
}

/** Markdown for a CI job page or docs/native.md. */
export function markdown(r: BenchResult, extra: string[] = []): string {
  const out = [...headline(r).map((l) => `${l}  `), '', `| kernel | backend | ${HEAD.join(' | ')} |`,
    `| --- | --- | ${HEAD.map((_, i) => (i === HEAD.length - 1 ? '---' : '---:')).join(' | ')} |`];
  for (const g of rows(r)) for (const l of g.lines) out.push(`| ${g.kernel} | ${l.label} | ${l.cells.join(' | ')} |`);
  const notes = [...r.notes, ...probeSanity(r)];
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  out.push('', '| target (issue 14) | wanted | measured | result |', '| --- | ---: | ---: | --- |');
  for (const t of r.targets) {
    out.push(`| ${t.check}${t.note ? ` (${t.note})` : ''} | >= ${t.target} | ${fmt(t.measured)} | ${t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS'} |`);
  }
  return [...out, ...extra].join('\n') + '\n';
}
