/** Text from the data (instructions, answers, categories, model names) is always escaped before it is written. */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe as HTML text and inside a double- or single-quoted attribute. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => HTML[c]);
}

/** A Markdown table cell: HTML-escaped (Markdown passes HTML through), Markdown syntax and line breaks neutralised. */
export function escapeMarkdownCell(s: unknown): string {
  const md = String(s ?? '')
    .replace(/\r?\n|\r/g, ' ')
    .replace(/([\\`*_[\]{}()#+!|~])/g, '\\$1');
  return escapeHtml(md);
}

/** Markdown prose (not in a table): the same, line breaks kept as spaces. */
export const escapeMarkdown = escapeMarkdownCell;
