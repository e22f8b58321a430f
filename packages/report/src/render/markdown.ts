/** A Markdown summary; each figure's SVG is a file beside it (`<figuresDir>/<id>.svg`), linked as an image. */
import type { BuiltReport } from '../build.js';
import type { Table } from '../figures/types.js';
import { escapeMarkdown as m, escapeMarkdownCell as cell } from './escape.js';

export interface MarkdownReport {
  markdown: string;
  /** Files to write next to the Markdown file: path relative to it, and content. */
  files: { path: string; content: string }[];
}

function tableMd(t: Table): string {
  const lines = [`| ${t.columns.map(cell).join(' | ')} |`, `| ${t.columns.map(() => '---').join(' | ')} |`];
  for (const r of t.rows) lines.push(`| ${r.map((c) => cell(c ?? '')).join(' | ')} |`);
  if (t.note) lines.push('', m(t.note));
  return lines.join('\n');
}

export function toMarkdown(r: BuiltReport, figuresDir: string): MarkdownReport {
  const d = r.data;
  const out: string[] = [`# ${m(d.title)}`, ''];
  if (d.sources.length) out.push(`From ${d.sources.map(m).join(', ')}`, '');
  for (const s of r.verdict.statements) out.push(`> **${m(s)}**`, '>');
  if (r.verdict.statements.length) out.pop();
  out.push('');
  for (const n of d.notes) out.push(`- ${m(n)}`);
  if (d.notes.length) out.push('');
  const files: MarkdownReport['files'] = [];
  for (const f of r.figures) {
    out.push(`## ${m(f.title)}`, '');
    if (f.svg) {
      const path = `${figuresDir}/${f.id}.svg`;
      files.push({ path, content: `<?xml version="1.0" encoding="UTF-8"?>\n${f.svg}\n` });
      out.push(`![${m(f.title)}](${encodeURI(path)})`, '');
    }
    if (f.error) out.push(`This figure could not be drawn: ${m(f.error)}`, '');
    out.push(`*${m(f.guide)}*`, '');
    if (f.caption) out.push(m(f.caption), '');
    if (f.table) out.push(tableMd(f.table), '');
  }
  return { markdown: `${out.join('\n').trimEnd()}\n`, files };
}
