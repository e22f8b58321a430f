/**
 * The data set loader conformance suite: InstructionRecords with unique ids that are the same on every run,
 * streamed (retained memory stays far below the source's size), bad rows reported as BAD_RECORD naming the file
 * and the row with nothing yielded before them lost, and AbortSignal honoured.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetLoader, InstructionRecord } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS, expectSelfjError, skipUnless, thrown } from './checks.js';
import { garbageCollector, measureRetained } from './memory.js';

type Make = () => DatasetLoader | Promise<DatasetLoader>;

export interface DatasetConformanceOptions {
  /** The exact number of records the loader yields. */
  records?: number;
  /** A large source for the streaming check (at least 16 MiB; 40 MiB or more gives a clear signal). */
  large?: { make: Make; bytes: number; records?: number };
  /** A source with a bad row: the loader must fail with BAD_RECORD naming `file` and `row`. */
  bad?: { make: Make; file: string; row: number; before?: number };
  timeoutMs?: number;
}

const MIN_LARGE_BYTES = 16 * 1024 * 1024;

async function collect(loader: DatasetLoader, signal?: AbortSignal): Promise<InstructionRecord[]> {
  const out: InstructionRecord[] = [];
  for await (const r of loader.records({ signal })) out.push(r);
  return out;
}

function expectRecord(r: InstructionRecord, i: number): void {
  const at = `record ${i} (${JSON.stringify(r).slice(0, 120)})`;
  expect(typeof r.id === 'string' && r.id.length > 0, `${at}: id is a non-empty string`).toBe(true);
  expect(typeof r.instruction === 'string' && r.instruction.length > 0, `${at}: instruction is a non-empty string`).toBe(true);
  expect(typeof r.reference, `${at}: reference is a string`).toBe('string');
  if (r.category !== undefined) expect(typeof r.category, `${at}: category`).toBe('string');
  if (r.source !== undefined) expect(typeof r.source, `${at}: source`).toBe('string');
}

export function runDatasetConformance(name: string, make: Make, options: DatasetConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  describe(`data set conformance: ${name}`, () => {
    it('yields InstructionRecords with unique ids (and as many as expected)', async () => {
      const loader = await make();
      expect(typeof loader.id === 'string' && loader.id.length > 0, 'loader id').toBe(true);
      const recs = await collect(loader);
      expect(recs.length, 'at least one record').toBeGreaterThan(0);
      recs.forEach(expectRecord);
      const ids = new Set(recs.map((r) => r.id));
      expect(ids.size, 'ids are unique').toBe(recs.length);
      if (options.records !== undefined) expect(recs.length).toBe(options.records);
    }, timeout);

    it('yields the same records with the same ids on every run, from a new loader or the same one', async () => {
      const first = await collect(await make());
      const fresh = await collect(await make());
      expect(fresh).toEqual(first);
      const loader = await make();
      // Stop early, then read again from the start: an iteration holds no state the next one depends on.
      for await (const r of loader.records()) {
        expect(r).toEqual(first[0]);
        break;
      }
      expect(await collect(loader)).toEqual(first);
    }, timeout);

    it('streams: retained memory stays far below the size of a large source', async (ctx) => {
      skipUnless(ctx, options.large !== undefined, 'no large source given (options.large), so streaming cannot be measured');
      const gc = garbageCollector();
      skipUnless(ctx, gc !== null, 'V8 gc() is not available in this process (run node with --expose-gc)');
      const large = options.large!;
      expect(large.bytes, `options.large.bytes must be at least ${MIN_LARGE_BYTES} for the check to mean anything`).toBeGreaterThanOrEqual(MIN_LARGE_BYTES);
      const loader = await large.make();
      let n = 0;
      let next = 1;
      const used = await measureRetained(gc!, async (sample) => {
        for await (const r of loader.records()) {
          // keep one record alive at a time, like a consumer that writes each one out
          if (++n === next || n % 40_000 === 0) {
            sample();
            if (n === next) next *= 4;
          }
          void r;
        }
        sample();
      });
      if (large.records !== undefined) expect(n).toBe(large.records);
      const mib = (x: number) => `${(x / 1048576).toFixed(1)} MiB`;
      expect(used.peak, `retained ${mib(used.peak)} while reading a ${mib(large.bytes)} source (${n} records, ${used.samples} samples)`).toBeLessThan(large.bytes / 4);
    }, timeout);

    it('a bad row is a SelfjError BAD_RECORD naming the file and the row; records before it are yielded', async (ctx) => {
      skipUnless(ctx, options.bad !== undefined, 'no source with a bad row given (options.bad)');
      const bad = options.bad!;
      const loader = await bad.make();
      const got: InstructionRecord[] = [];
      const err = await thrown(async () => {
        for await (const r of loader.records()) got.push(r);
      });
      expectSelfjError(err, 'BAD_RECORD', `reading ${bad.file}`);
      const e = err as Error & { details?: Record<string, unknown> };
      expect(e.message, 'the message names the file').toContain(bad.file);
      const rowInMessage = new RegExp(`(\\brow|\\bline|:)\\s*${bad.row}\\b`).test(e.message);
      expect(rowInMessage || e.details?.row === bad.row, `the message or details name row ${bad.row}: ${e.message.split('\n')[0]}`).toBe(true);
      if (bad.before !== undefined) expect(got.length, 'records before the bad row').toBe(bad.before);
    }, timeout);

    it('an aborted signal rejects with SelfjError ABORTED, before the first record and between records', async () => {
      expectSelfjError(await thrown(async () => collect(await make(), AbortSignal.abort())), 'ABORTED', 'records() with an aborted signal');
      const total = (await collect(await make())).length;
      const ac = new AbortController();
      let seen = 0;
      const run = async () => {
        for await (const r of (await make()).records({ signal: ac.signal })) {
          void r;
          seen++;
          ac.abort();
        }
      };
      if (total < 2) {
        await run(); // one record: nothing follows the abort
        expect(seen).toBe(1);
        return;
      }
      expectSelfjError(await thrown(run), 'ABORTED', 'records() aborted after the first record');
      expect(seen, 'no record after the abort').toBe(1);
    }, timeout);
  });
}
