import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { buildReport, formatFromPath, ITEM_DEFAULTS, loadReportInputs, loadTheme, REPORT_FORMATS, writeReport, type ReportFormat } from '@selfj/report';
import { defineCommand } from '../options/command.js';

const positive = z.number().positive();
const flags = {
  inputs: { schema: z.array(z.string().min(1)).min(1), positional: true, describe: 'A run directory (selfj run / demo --out), JSON from selfj eval / calibrate / rank / meta-eval, or a scored JSONL' },
  out: { schema: z.string().min(1).optional(), describe: 'Output file (default: report.<format> in the run directory when that is the one input, else here)' },
  format: { schema: z.enum(REPORT_FORMATS as [ReportFormat, ...ReportFormat[]]).optional(), describe: 'html (one file), md (Markdown + SVG files beside it) or json (default: from --out, else html)' },
  title: { schema: z.string().min(1).optional(), describe: 'Report title' },
  theme: { schema: z.string().min(1).optional(), describe: 'JSON file: {"config": {Vega-Lite config}, "figures": {"<figure id>": {spec override}}}' },
  'score-field': { schema: z.string().min(1).optional(), describe: `JSONL input: judge score field (default ${ITEM_DEFAULTS.scoreField})` },
  'grader-field': { schema: z.string().min(1).optional(), describe: `JSONL input: grader score field (default ${ITEM_DEFAULTS.graderField})` },
  'category-field': { schema: z.string().min(1).optional(), describe: 'JSONL input: category field, for the per-category figure' },
  'max-grade': { schema: positive.optional(), describe: `JSONL input: the grader's best score (default ${ITEM_DEFAULTS.maxGrade})` },
  'min-grade': { schema: z.number().finite().optional(), describe: `JSONL input: the grader's worst score (default ${ITEM_DEFAULTS.minGrade}, as selfj eval); graded loss = (max - grade) / (max - min)` },
  'bad-below': { schema: z.number().optional(), describe: "A grade (a run's label z) below this is a bad answer (default: what the input records, else the config default)" },
  'digit-mass-floor': { schema: positive.max(1).optional(), describe: "Flag self-evaluations whose digits got less probability than this (default: the run's, else scoring.minDigitMass)" },
  'min-category-size': { schema: z.int().min(2).optional(), describe: 'Categories with fewer items get no metrics (default 5)' },
} as const;

/** Where the report goes by default: inside the run directory when that is the one input, else here. */
function defaultOut(inputs: string[], format: ReportFormat): string {
  const name = `report.${format}`;
  try {
    if (inputs.length === 1 && statSync(inputs[0]).isDirectory()) return join(inputs[0], name);
  } catch {
    /* a missing input is reported by the loader */
  }
  return name;
}

/** `selfj report`: one self-contained HTML page (or Markdown + SVG, or JSON) with the figures that show whether a judge can be trusted. */
export default defineCommand({
  command: 'report <inputs..>',
  describe: 'Write a self-contained report (HTML, Markdown or JSON) of a run directory or of eval / calibrate / rank / meta-eval output',
  flags,
  run: async ({ args: cli, own: o }) => {
    const format = o.format ?? (o.out ? formatFromPath(o.out) : 'html');
    const out = resolve(o.out ?? defaultOut(o.inputs, format));
    const t0 = Date.now();
    const inputs = await loadReportInputs(o.inputs, { scoreField: o['score-field'], graderField: o['grader-field'], categoryField: o['category-field'], maxGrade: o['max-grade'], minGrade: o['min-grade'], badBelow: o['bad-below'] });
    const report = await buildReport(inputs, { title: o.title, theme: o.theme ? loadTheme(o.theme) : undefined, digitMassFloor: o['digit-mass-floor'], minCategorySize: o['min-category-size'] });
    const written = writeReport(report, out, format);
    const seconds = (Date.now() - t0) / 1000;
    if (cli.json) {
      process.stdout.write(`${JSON.stringify({ out, ...written, seconds, noise: report.verdict.noise, verdict: report.verdict.statements, figures: report.figures.map((f) => f.id) })}\n`);
      return;
    }
    if (!cli.quiet) for (const s of report.verdict.statements) process.stderr.write(`${s}\n`);
    const extra = written.files.length > 1 ? ` (+ ${written.files.length - 1} figure files)` : '';
    process.stdout.write(`Report: ${out}${extra}\n`);
  },
});
