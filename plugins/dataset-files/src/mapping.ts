/**
 * From a raw row to {instruction, reference, category}: an explicit mapping (dotted paths, lists joined, templates)
 * or a preset for a common layout, detected from the field names when not given.
 */
import { SelfjError } from '@selfj/core';
import { RecordProblem } from './errors.js';
import { asText, getPath, MISSING, parseTemplate, rootsOf, type TemplatePart } from './fieldpath.js';
import { chatMapper } from './chat.js';

/**
 * - "path.to.field" (a trailing "?" makes it optional: absent or null gives "")
 * - ["instruction", "input?"]: the non-empty values joined by `separator` (default a blank line)
 * - "{question}\n\nContext: {context?}": a template
 */
export type FieldSpec = string | string[];

export interface FieldMapping {
  instruction: FieldSpec;
  reference: FieldSpec;
  category?: FieldSpec;
  separator?: string;
}

export type { Mapped, Mapper } from './mapper.js';
import type { Mapped, Mapper } from './mapper.js';

type Getter = (row: unknown) => string;

function textAt(row: unknown, path: string, optional: boolean): string {
  const t = asText(getPath(row, path));
  if (t === MISSING || t === null) {
    if (optional) return '';
    throw new RecordProblem(t === null ? `mapped field "${path}" is null` : `mapped field "${path}" is missing`, 'missing-field');
  }
  if (typeof t === 'object') throw new RecordProblem(`mapped field "${path}" is ${t.notText}, not text`, 'not-text');
  return t;
}

function compileSpec(spec: FieldSpec, separator: string): { get: Getter; paths: string[]; required: string[] } {
  const split = (p: string) => ({ path: p.trim().replace(/\?$/, ''), optional: p.trim().endsWith('?') });
  if (Array.isArray(spec)) {
    const items = spec.map(split);
    return {
      paths: items.map((i) => i.path),
      required: items.filter((i) => !i.optional).map((i) => i.path),
      get: (row) => items.map((i) => textAt(row, i.path, i.optional)).filter((s) => s !== '').join(separator),
    };
  }
  if (spec.includes('{')) {
    const parts: TemplatePart[] = parseTemplate(spec);
    const fields = parts.filter((p) => p.path !== undefined);
    return {
      paths: fields.map((p) => p.path!),
      required: fields.filter((p) => !p.optional).map((p) => p.path!),
      get: (row) => parts.map((p) => (p.path === undefined ? p.literal! : textAt(row, p.path, Boolean(p.optional)))).join(''),
    };
  }
  const one = split(spec);
  return { paths: [one.path], required: one.optional ? [] : [one.path], get: (row) => textAt(row, one.path, one.optional) };
}

export function compileMapping(m: FieldMapping, name = 'mapping'): Mapper {
  if (!m || m.instruction === undefined || m.reference === undefined) {
    throw new SelfjError('BAD_CONFIG', 'A field mapping needs at least "instruction" and "reference".', {
      solutions: ['Example: {"instruction": ["instruction", "input?"], "reference": "output"}.'],
    });
  }
  const sep = m.separator ?? '\n\n';
  const ins = compileSpec(m.instruction, sep);
  const ref = compileSpec(m.reference, sep);
  const cat = m.category !== undefined ? compileSpec(m.category, sep) : undefined;
  const paths = [...ins.paths, ...ref.paths, ...(cat?.paths ?? [])];
  const requiredRoots = [...new Set([...ins.required, ...ref.required, ...(cat?.required ?? [])].map((p) => p.split('.')[0]))];
  return {
    name,
    columns: rootsOf(paths),
    missingFields: (fields) => requiredRoots.filter((r) => !fields.includes(r) && !paths.some((p) => fields.includes(p) && p.startsWith(r))),
    apply(row) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new RecordProblem('the record is not an object', 'malformed');
      const out: Mapped = { instruction: ins.get(row), reference: ref.get(row) };
      if (cat) {
        const c = cat.get(row);
        if (c) out.category = c;
      }
      return out;
    },
  };
}

export type PresetName = 'alpaca' | 'dolly' | 'qa' | 'chat' | 'self-instruct' | 'prompt';

interface PresetDef {
  /** Detected when all of these fields are present. */
  signature: string[][];
  mapper: () => Mapper;
}

const PRESETS: Record<PresetName, PresetDef> = {
  chat: { signature: [['messages'], ['conversations']], mapper: () => chatMapper() },
  'self-instruct': {
    signature: [['instruction', 'instances']],
    mapper: () => compileMapping({ instruction: ['instruction', 'instances.0.input?'], reference: 'instances.0.output' }, 'self-instruct'),
  },
  alpaca: {
    signature: [['instruction', 'output']],
    mapper: () => compileMapping({ instruction: ['instruction', 'input?'], reference: 'output' }, 'alpaca'),
  },
  dolly: {
    signature: [['instruction', 'response']],
    mapper: () => compileMapping({ instruction: ['instruction', 'context?'], reference: 'response' }, 'dolly'),
  },
  qa: { signature: [['question', 'answer']], mapper: () => compileMapping({ instruction: 'question', reference: 'answer' }, 'qa') },
  prompt: {
    signature: [['prompt', 'completion'], ['prompt', 'response']],
    mapper: () => promptMapper(),
  },
};

function promptMapper(): Mapper {
  const a = compileMapping({ instruction: 'prompt', reference: 'completion' }, 'prompt');
  const b = compileMapping({ instruction: 'prompt', reference: 'response' }, 'prompt');
  return {
    name: 'prompt',
    columns: ['prompt', 'completion', 'response'],
    missingFields: (f) => (f.includes('prompt') && (f.includes('completion') || f.includes('response')) ? [] : ['prompt', 'completion|response']),
    apply: (row) => (row && typeof row === 'object' && 'completion' in row ? a.apply(row) : b.apply(row)),
  };
}

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetMapper(name: PresetName): Mapper {
  const p = PRESETS[name];
  if (!p) {
    throw new SelfjError('BAD_CONFIG', `Unknown field-mapping preset "${name}".`, {
      solutions: [`Use one of: ${PRESET_NAMES.join(', ')}, "auto", or an explicit mapping.`],
    });
  }
  return p.mapper();
}

/** The first preset (in a fixed order) whose signature fields are all present. */
export function detectPreset(fields: string[]): PresetName | undefined {
  for (const name of PRESET_NAMES) if (PRESETS[name].signature.some((sig) => sig.every((f) => fields.includes(f)))) return name;
  return undefined;
}
