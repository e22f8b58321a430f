/**
 * @selfj/report: one self-contained HTML page (or Markdown + SVG files, or JSON) with the figures that show
 * whether a judge can be trusted. `buildReport(inputs, options)` draws the `figures` list; each figure is data
 * (a Vega-Lite spec), so a theme file or a plugin can restyle or add figures.
 */
export { buildReport, type BuiltReport, type RenderedFigure, type ReportOptions } from './build.js';
export { deriveReportData, externalItems, DEFAULT_DIGIT_MASS_FLOOR, DEFAULT_MIN_CATEGORY_SIZE, type DeriveOptions } from './derive.js';
export * from './figures/index.js';
export type * from './model.js';
export { verdictOf, checkCorrelation, type Verdict, type CorrelationCheck, type DigitMassCheck } from './verdict.js';
export { loadReportInputs, loadInput, mergeInputs, type LoadOptions } from './inputs/load.js';
export { readRunDir, isRunDir, findDigitMassFloor } from './inputs/run-dir.js';
export { readItemsFile, readJsonInput, jsonKind, ITEM_DEFAULTS } from './inputs/files.js';
export { parseMetaEval, META_EVAL_FORMAT } from './inputs/meta-eval.js';
export { renderSvg } from './render/vega.js';
export { themed, loadTheme, deepMerge, DEFAULT_CONFIG, type Theme } from './render/theme.js';
export { escapeHtml, escapeMarkdownCell } from './render/escape.js';
export { toHtml } from './render/html.js';
export { toMarkdown, type MarkdownReport } from './render/markdown.js';
export { toJson, REPORT_FORMAT } from './render/json.js';
export { writeReport, formatFromPath, REPORT_FORMATS, type ReportFormat, type WrittenReport } from './write.js';
export { evalReportInputs, pairsReportInputs, calibrateReportInputs, rankReportInputs, metaEvalReportInputs, saveReport, saveRunReport, type ScoredInput, type SavedReport } from './hooks.js';
