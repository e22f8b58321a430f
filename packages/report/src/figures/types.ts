/**
 * A figure is data, not drawing code: `build` turns the report data into a Vega-Lite spec (or null when the
 * inputs lack what it needs); `table` adds an optional table. Plugins extend a report by adding figures to the list.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from '../model.js';

export type Cell = string | number | null;

export interface Table {
  columns: string[];
  rows: Cell[][];
  /** A line under the table, e.g. "and 120 more". */
  note?: string;
}

export interface Figure {
  id: string;
  title: string;
  /** One line: how to read the figure. */
  guide: string;
  build(data: ReportData): TopLevelSpec | null;
  /** The data-dependent line under the guide (statistics, sampling, what was assumed). */
  caption?(data: ReportData): string | undefined;
  table?(data: ReportData): Table | null;
}
