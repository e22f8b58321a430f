/**
 * One self-contained HTML page: inline CSS, inline SVG, no script, no external resource. A Content-Security-Policy
 * forbids scripts and every network load, so even a string that escaped escaping could neither run nor call out.
 */
import type { BuiltReport, RenderedFigure } from '../build.js';
import type { Table } from '../figures/types.js';
import { escapeHtml as e } from './escape.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root { color-scheme: light; --ink: #1b1b1f; --muted: #5f6368; --line: #e3e3e8; --bad: #b3261e; --good: #1e6b34; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafafa; }
header, main, footer { max-width: 1000px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 0 0 10px; }
.sources, footer, .note { color: var(--muted); font-size: 13px; }
.sources code { word-break: break-all; }
.verdict { border-left: 5px solid var(--good); background: #eef6f0; padding: 10px 14px; margin: 14px 0; }
.verdict.noise { border-color: var(--bad); background: #fbeeed; }
.verdict p { margin: 4px 0; }
.notes { font-size: 14px; color: #4a4a4a; }
nav ol { columns: 2; font-size: 14px; padding-left: 20px; }
section.figure { background: white; border: 1px solid var(--line); border-radius: 6px; padding: 16px 18px; margin: 18px 0; }
figure { margin: 0; }
.chart { overflow-x: auto; }
.chart svg { max-width: 100%; height: auto; display: block; }
figcaption .guide { margin: 8px 0 2px; font-style: italic; }
figcaption .caption { margin: 2px 0; color: #333; }
.error { color: var(--bad); }
table { border-collapse: collapse; margin-top: 10px; font-size: 13px; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; font-weight: 600; }
.table { overflow-x: auto; }
td { white-space: pre-wrap; overflow-wrap: break-word; max-width: 380px; }
td.long { min-width: 220px; }
footer { padding: 10px 20px 30px; }
`;

function tableHtml(t: Table): string {
  const head = `<tr>${t.columns.map((c) => `<th scope="col">${e(c)}</th>`).join('')}</tr>`;
  // long text (instructions, answers) gets room; short cells (numbers, ids) stay narrow
  const cell = (c: unknown) => `<td${typeof c === 'string' && c.length > 60 ? ' class="long"' : ''}>${e(c ?? '')}</td>`;
  const body = t.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
  const note = t.note ? `<p class="note">${e(t.note)}</p>` : '';
  return `<div class="table"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>${note}`;
}

function figureHtml(f: RenderedFigure): string {
  // The SVG comes from vega, which escapes every text node and attribute it writes (checked by the hostile-string tests).
  const chart = f.svg ? `<div class="chart" role="img" aria-label="${e(`${f.title}. ${f.guide}`)}">${f.svg}</div>` : '';
  const error = f.error ? `<p class="error">This figure could not be drawn: ${e(f.error)}</p>` : '';
  const caption = f.caption ? `<p class="caption">${e(f.caption)}</p>` : '';
  return `<section class="figure" id="fig-${e(f.id)}" data-figure="${e(f.id)}">
<h2>${e(f.title)}</h2>
<figure>${chart}${error}
<figcaption><p class="guide">${e(f.guide)}</p>${caption}</figcaption>
</figure>
${f.table ? tableHtml(f.table) : ''}
</section>`;
}

export function toHtml(r: BuiltReport): string {
  const d = r.data;
  const verdict = r.verdict.statements.length
    ? `<div class="verdict${r.verdict.noise ? ' noise' : ''}" id="verdict">${r.verdict.statements.map((s) => `<p>${e(s)}</p>`).join('')}</div>`
    : '';
  const notes = d.notes.length ? `<ul class="notes">${d.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : '';
  const sources = d.sources.length ? `<p class="sources">From ${d.sources.map((s) => `<code>${e(s)}</code>`).join(', ')}</p>` : '';
  const nav = `<nav><ol>${r.figures.map((f) => `<li><a href="#fig-${e(f.id)}">${e(f.title)}</a></li>`).join('')}</ol></nav>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="selfj report">
<title>${e(d.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${e(d.title)}</h1>
${sources}
${verdict}
${notes}
${nav}
</header>
<main>
${r.figures.map(figureHtml).join('\n')}
</main>
<footer>Made by <code>selfj report</code>: figures are Vega-Lite specs rendered to SVG (<code>selfj report --format json</code> writes the specs; <code>--theme</code> restyles them). See docs/reports.md for how to read each figure.</footer>
</body>
</html>
`;
}
