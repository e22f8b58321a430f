/**
 * The look of every figure is Vega-Lite `config`, and any figure's spec can be overridden: a theme file is
 * `{"config": {...}, "figures": {"<figure id>": {...partial spec...}}}`, deep-merged over the defaults (arrays and
 * values replace, objects merge).
 */
import { readFileSync } from 'node:fs';
import { SelfjError } from '@selfj/core';
import type { TopLevelSpec } from 'vega-lite';

export interface Theme {
  config?: Record<string, unknown>;
  figures?: Record<string, Record<string, unknown>>;
}

export const DEFAULT_CONFIG: Record<string, unknown> = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  // per-mark ARIA labels repeat every data value in the SVG: the page describes each figure in text instead
  aria: false,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#ececec', domainColor: '#888', tickColor: '#888' },
  legend: { orient: 'bottom', labelFontSize: 11, labelLimit: 420, symbolStrokeWidth: 2 },
  range: { category: ['#1f5fa8', '#e07b00', '#2e8b57', '#8e44ad', '#7f7f7f', '#111111', '#c0392b', '#17becf'] },
};

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function deepMerge<T>(base: T, over: unknown): T {
  if (!isObject(base) || !isObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
    out[k] = deepMerge(out[k], v);
  }
  return out as T;
}

/** The spec a figure draws with: default config, the theme's config, then the theme's override for this figure. */
export function themed(spec: TopLevelSpec, figureId: string, theme: Theme = {}): TopLevelSpec {
  const config = deepMerge(deepMerge(DEFAULT_CONFIG, (spec as { config?: unknown }).config), theme.config);
  const withConfig = { ...spec, config } as TopLevelSpec;
  const override = theme.figures?.[figureId];
  return override ? deepMerge(withConfig, override) : withConfig;
}

export function loadTheme(file: string): Theme {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SelfjError('BAD_INPUT', `The theme file ${file} is not readable JSON (${(e as Error).message}).`, {
      solutions: ['A theme is {"config": {...Vega-Lite config...}, "figures": {"risk-coverage": {...}}}'],
    });
  }
  if (!isObject(value) || (value.config !== undefined && !isObject(value.config)) || (value.figures !== undefined && !isObject(value.figures))) {
    throw new SelfjError('BAD_INPUT', `The theme file ${file} must be an object with optional "config" and "figures" objects.`, {
      solutions: ['Example: {"config": {"font": "Georgia"}, "figures": {"scatter": {"mark": {"opacity": 0.2}}}}'],
    });
  }
  return value as Theme;
}
