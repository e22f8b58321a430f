/** buildReport: inputs -> data (metrics from @selfj/core) -> every figure's spec, SVG and table, plus the verdict. */
import type { TopLevelSpec } from 'vega-lite';
import { deriveReportData, type DeriveOptions } from './derive.js';
import { figures as defaultFigures } from './figures/index.js';
import type { Figure, Table } from './figures/types.js';
import type { ReportData, ReportInputs } from './model.js';
import { themed, type Theme } from './render/theme.js';
import { renderSvg } from './render/vega.js';
import { verdictOf, type Verdict } from './verdict.js';

export interface ReportOptions extends DeriveOptions {
  /** Config and per-figure spec overrides (see render/theme.ts). */
  theme?: Theme;
  /** The figures to draw, in order (default: `figures`). */
  figures?: readonly Figure[];
}

export interface RenderedFigure {
  id: string;
  title: string;
  guide: string;
  caption?: string;
  /** The themed Vega-Lite spec, data inline; null for a table-only figure. */
  spec: TopLevelSpec | null;
  svg?: string;
  table?: Table;
  /** Why the figure could not be drawn (its section says so instead of disappearing). */
  error?: string;
  warnings: string[];
}

export interface BuiltReport {
  data: ReportData;
  verdict: Verdict;
  figures: RenderedFigure[];
}

export async function buildReport(inputs: ReportInputs, options: ReportOptions = {}): Promise<BuiltReport> {
  const data = deriveReportData(inputs, options);
  const verdict = verdictOf(data);
  const out: RenderedFigure[] = [];
  for (const f of options.figures ?? defaultFigures) {
    const base = { id: f.id, title: f.title, guide: f.guide, warnings: [] as string[] };
    try {
      const raw = f.build(data);
      const table = f.table?.(data) ?? undefined;
      if (!raw && !table) continue;
      const spec = raw ? themed(raw, f.id, options.theme) : null;
      const rendered = spec ? await renderSvg(spec) : undefined;
      out.push({ ...base, caption: f.caption?.(data), spec, svg: rendered?.svg, table, warnings: rendered?.warnings ?? [] });
    } catch (e) {
      const message = (e as Error).message.split('\n')[0];
      data.notes.push(`Figure "${f.title}" could not be drawn: ${message}`);
      out.push({ ...base, spec: null, error: message });
    }
  }
  return { data, verdict, figures: out };
}
