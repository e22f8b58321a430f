/** Writes a built report as HTML (one file), Markdown (a file and a folder of SVGs beside it) or JSON. */
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { SelfjError } from '@selfj/core';
import { writeFileAtomic } from '@selfj/core/infra';
import type { BuiltReport } from './build.js';
import { toHtml } from './render/html.js';
import { toJson } from './render/json.js';
import { toMarkdown } from './render/markdown.js';

export type ReportFormat = 'html' | 'md' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json'];

/** The format a file name asks for (.md / .markdown, .json, else HTML). */
export function formatFromPath(out: string): ReportFormat {
  const ext = extname(out).toLowerCase();
  return ext === '.md' || ext === '.markdown' ? 'md' : ext === '.json' ? 'json' : 'html';
}

export interface WrittenReport {
  format: ReportFormat;
  /** The main file, then any figure files. */
  files: string[];
  bytes: number;
}

export function writeReport(r: BuiltReport, out: string, format: ReportFormat = formatFromPath(out)): WrittenReport {
  if (!REPORT_FORMATS.includes(format)) {
    throw new SelfjError('BAD_INPUT', `Unknown report format "${String(format)}".`, { solutions: [`Use one of ${REPORT_FORMATS.join(', ')}`] });
  }
  mkdirSync(dirname(out), { recursive: true });
  if (format === 'html') {
    const html = toHtml(r);
    writeFileAtomic(out, html);
    return { format, files: [out], bytes: Buffer.byteLength(html) };
  }
  if (format === 'json') {
    const json = `${JSON.stringify(toJson(r), null, 1)}\n`;
    writeFileAtomic(out, json);
    return { format, files: [out], bytes: Buffer.byteLength(json) };
  }
  const figuresDir = `${basename(out, extname(out))}-figures`;
  const md = toMarkdown(r, figuresDir);
  const files = [out];
  let bytes = Buffer.byteLength(md.markdown);
  for (const f of md.files) {
    const p = join(dirname(out), f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileAtomic(p, f.content);
    files.push(p);
    bytes += Buffer.byteLength(f.content);
  }
  writeFileAtomic(out, md.markdown);
  return { format, files, bytes };
}
