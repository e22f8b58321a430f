/**
 * Reports written by the commands that compute something (docs/reports.md): `--report <file>` on eval, calibrate,
 * rank and meta-eval, from the data they hold in memory; `<out>/report.html` at the end of `selfj run` / `demo`.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { saveReport, saveRunReport, type ReportInputs } from '@selfj/report';
import type { FlagSpecs } from '../options/flags.js';

export const reportFlag = {
  report: {
    schema: z.string().min(1).optional(),
    describe: 'Also write a report of this result: one self-contained HTML page, or Markdown + SVG (.md) or JSON (.json) by the file name',
  },
} satisfies FlagSpecs;

export const runReportFlag = {
  report: { schema: z.boolean().default(true), describe: 'Write <out>/report.html when the pipeline has finished (--no-report: do not)' },
} satisfies FlagSpecs;

/** The report a user asked for with --report; returns its absolute path. */
export async function writeCommandReport(inputs: ReportInputs, out: string): Promise<string> {
  const file = resolve(out);
  await saveReport(inputs, file);
  return file;
}

/** The line a command prints after its own output (nothing with --json, where the JSON has a `report` field). */
export function printReportLine(args: { json: boolean; quiet: boolean }, file: string | undefined): void {
  if (file && !args.json && !args.quiet) process.stdout.write(`Report: ${file}\n`);
}

/**
 * `selfj run` / `demo`: report.html in the output directory. The run is complete whatever happens here, so a
 * report that cannot be drawn is a warning (and `reportError` in the JSON), not a failed run.
 */
export async function writeRunReport(dir: string, warn: (line: string) => void): Promise<{ report?: string; reportError?: string }> {
  try {
    return { report: (await saveRunReport(resolve(dir))).out };
  } catch (e) {
    const message = (e as Error).message.split('\n')[0];
    warn(`selfj: the report could not be written (${message}); the run's artifacts are complete, see \`selfj report ${dir}\``);
    return { reportError: message };
  }
}
