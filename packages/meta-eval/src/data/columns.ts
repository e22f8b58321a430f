/**
 * Reading named columns from any data set URI through the dataset plugins. A DatasetLoader yields
 * {instruction, reference, category} per row, so columns are read three at a time under a field mapping, in as
 * many passes as needed, and joined by the record id (stable per source, revision, file and row). Rows a plugin
 * rejects (bad JSON, a missing required field) are counted, never silently dropped.
 */
import type { PluginContext, PluginRegistry } from '@selfj/core';
import type { FieldSpec } from '../sets/types.js';

export interface ColumnRead {
  /** One object per readable row, in file order. */
  rows: Record<string, string>[];
  /** Rows a dataset plugin could not read (or that lacked a required field in some pass). */
  unreadable: number;
  /** The first few reasons, for the user. */
  reasons: string[];
}

export interface ReadColumnsOptions {
  registry: PluginRegistry;
  ctx?: PluginContext;
  /** Options for the dataset plugin (hf: hubUrl, cacheDir, offline, pattern, ...). */
  datasetOptions?: Record<string, unknown>;
  signal?: AbortSignal;
}

export async function readColumns(uri: string, fields: Record<string, FieldSpec>, o: ReadColumnsOptions): Promise<ColumnRead> {
  const names = Object.keys(fields);
  const order: string[] = [];
  const byId = new Map<string, Record<string, string>>();
  const missingIn = new Set<string>();
  const reasons: string[] = [];
  let rejected = 0;
  for (let g = 0; g < names.length; g += 3) {
    const group = names.slice(g, g + 3);
    const mapping: Record<string, FieldSpec> = { instruction: fields[group[0]], reference: fields[group[1] ?? group[0]] };
    if (group[2]) mapping.category = fields[group[2]];
    const loader = await o.registry.createDataset(uri, {
      ...o.datasetOptions,
      mapping,
      onBadRecord: 'skip',
      rejects: (r: { row: number | null; reason: string; file?: string }) => {
        if (g === 0) rejected++;
        if (reasons.length < 3) reasons.push(`${r.file ?? uri}${r.row === null ? '' : ` row ${r.row}`}: ${r.reason}`);
      },
    }, o.ctx);
    const seen = new Set<string>();
    for await (const rec of loader.records({ signal: o.signal })) {
      let row = byId.get(rec.id);
      if (g === 0) {
        row = {};
        byId.set(rec.id, row);
        order.push(rec.id);
      }
      if (!row) continue;
      seen.add(rec.id);
      row[group[0]] = rec.instruction;
      if (group[1]) row[group[1]] = rec.reference;
      if (group[2]) row[group[2]] = rec.category ?? '';
    }
    if (g > 0) for (const id of order) if (!seen.has(id)) missingIn.add(id);
  }
  const rows = order.filter((id) => !missingIn.has(id)).map((id) => byId.get(id)!);
  return { rows, unreadable: rejected + missingIn.size, reasons };
}
