/**
 * Where kept records go, shared by collect and merge: `SplitSink` writes each kept record while remembering what
 * the split needs (planner), then `finish()` writes train.jsonl / test.jsonl atomically and fills the category
 * counts.
 *
 * The exact stratified split is only known at the end, but most records are obviously train: a record whose split
 * hash is above a provisional cut (about twice the test fraction) goes straight to the train file, the rest to a
 * "maybe" file. At the end only the maybe file is routed (test lines out, train lines appended), as long as every
 * category's real cut stayed below the provisional one; otherwise (tiny categories, or sampling, where nothing is
 * obvious) both files are routed in full. Routing copies raw bytes: no decoding, no JSON.
 */
import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicLineWriter } from './jsonl.js';
import type { CollectSampleConfig, CollectSplitConfig } from './manifest.js';
import { SplitPlanner } from './split.js';
import { categoryStats, type CollectStats } from './stats.js';

export function sampleLimit(sample: CollectSampleConfig | undefined): ((category: string) => number | undefined) | undefined {
  const per = sample?.perCategory;
  if (per === undefined) return undefined;
  if (typeof per === 'number') return () => per;
  return (c) => per[c] ?? per['*'];
}

const TWO32 = 4294967296;

export class SplitSink {
  readonly planner: SplitPlanner;
  private readonly testFraction: number;
  private readonly limit: ((category: string) => number | undefined) | undefined;
  private readonly cut: number;
  private readonly sure: AtomicLineWriter;
  private readonly maybe: AtomicLineWriter;
  /** Per arrival index: 1 when the record went to the maybe file. */
  private inMaybe = new Uint8Array(1024);
  /** After finish(): whether both files had to be routed (the slow path). */
  routedInFull = false;

  constructor(
    private readonly outDir: string,
    split: CollectSplitConfig | undefined,
    sample: CollectSampleConfig | undefined,
  ) {
    this.planner = new SplitPlanner(split?.seed, sample?.seed);
    this.testFraction = split?.test ?? 0.05;
    this.limit = sampleLimit(sample);
    this.cut = this.limit ? TWO32 : Math.min(TWO32, Math.floor(TWO32 * (2 * this.testFraction + 0.05)));
    this.sure = new AtomicLineWriter(join(outDir, '.kept-train.jsonl'));
    this.maybe = new AtomicLineWriter(join(outDir, '.kept-maybe.jsonl'));
  }

  /**
   * Writes one kept record, a JSON line given as `parts[0..n)` (see AtomicLineWriter.writeParts); await the result
   * only when it is a Promise.
   */
  write(id: string, category: string, parts: readonly string[], n = parts.length): Promise<void> | undefined {
    const i = this.planner.add(id, category);
    if (i === this.inMaybe.length) {
      const grown = new Uint8Array(i * 2);
      grown.set(this.inMaybe);
      this.inMaybe = grown;
    }
    const maybe = this.planner.splitHashAt(i) < this.cut;
    this.inMaybe[i] = maybe ? 1 : 0;
    return (maybe ? this.maybe : this.sure).writeParts(parts, n);
  }

  async abort(): Promise<void> {
    await this.sure.abort();
    await this.maybe.abort();
  }

  async finish(stats: CollectStats): Promise<{ train: string; test: string }> {
    await this.sure.commit();
    await this.maybe.commit();
    const n = this.planner.size;
    const plan = this.planner.plan(this.testFraction, this.limit);
    const assign = plan.assignments;
    let fast = true;
    for (let i = 0; i < n; i++) {
      if (this.inMaybe[i] === 0 && assign[i] !== 1) {
        fast = false;
        break;
      }
    }
    const sub = (file: number): Uint8Array => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) if (this.inMaybe[i] === file) out.push(assign[i]);
      return Uint8Array.from(out);
    };
    this.routedInFull = !fast;
    const trainPath = join(this.outDir, 'train.jsonl');
    if (fast) await rename(this.sure.path, `${trainPath}.tmp`);
    const train = new AtomicLineWriter(trainPath, { append: fast });
    const test = new AtomicLineWriter(join(this.outDir, 'test.jsonl'));
    try {
      const sources = fast ? [1] : [0, 1];
      for (const file of sources) {
        const path = file === 1 ? this.maybe.path : this.sure.path;
        const a = sub(file);
        const lines = await routeLines(path, a, [null, train, test]);
        if (lines !== a.length) throw new Error(`internal: ${lines} lines in ${path}, ${a.length} planned`);
      }
      await train.commit();
      await test.commit();
    } catch (e) {
      await train.abort();
      await test.abort();
      throw e;
    } finally {
      await rm(this.sure.path, { force: true });
      await rm(this.maybe.path, { force: true });
    }
    for (const [name, c] of plan.perCategory) {
      const s = categoryStats(stats, name);
      s.sampledOut = c.sampledOut;
      s.train = c.train;
      s.test = c.test;
      stats.totals.train += c.train;
      stats.totals.test += c.test;
      stats.totals.sampledOut += c.sampledOut;
    }
    return { train: train.path, test: test.path };
  }
}

/**
 * Copies line i of `path` to writers[assignments[i]] as raw bytes, one write per run of consecutive lines with
 * the same destination. Returns the number of lines seen.
 */
async function routeLines(path: string, assignments: Uint8Array, writers: (AtomicLineWriter | null)[]): Promise<number> {
  const at = { line: 0, end: 0 };
  let carry: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    let buf = chunk as Buffer;
    if (carry) {
      // Complete the line that straddles the chunks on its own, rather than copying the whole chunk behind it.
      const nl = buf.indexOf(10);
      const head = Buffer.concat([carry, buf.subarray(0, nl < 0 ? buf.length : nl + 1)]);
      if (nl < 0) {
        carry = head;
        continue;
      }
      const wait = routeChunk(head, assignments, writers, at);
      if (wait) await wait;
      buf = buf.subarray(nl + 1);
    }
    const wait = routeChunk(buf, assignments, writers, at);
    carry = at.end < buf.length ? buf.subarray(at.end) : null;
    if (wait) await wait;
  }
  if (carry && carry.length > 0) throw new Error(`internal: ${path} does not end with a newline`);
  return at.line;
}

/**
 * The complete lines of `buf`, numbered from `at.line`, to their writers (a plain loop, kept out of the async
 * function so it runs as optimised code). Updates `at.line` and sets `at.end` to the end of the last complete
 * line; returns a promise to await when a writer asked for backpressure.
 */
function routeChunk(buf: Buffer, assignments: Uint8Array, writers: (AtomicLineWriter | null)[], at: { line: number; end: number }): Promise<void> | undefined {
  let i = at.line;
  let start = 0;
  let runStart = 0;
  let runDest = -1;
  let runLines = 0;
  let wait: Promise<void> | undefined;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) break;
    const dest = assignments[i++];
    if (dest !== runDest) {
      if (runLines > 0 && writers[runDest]) wait = writers[runDest]!.writeRaw(buf.subarray(runStart, start), runLines) ?? wait;
      runDest = dest;
      runStart = start;
      runLines = 0;
    }
    runLines++;
    start = nl + 1;
  }
  if (runLines > 0 && writers[runDest]) wait = writers[runDest]!.writeRaw(buf.subarray(runStart, start), runLines) ?? wait;
  at.line = i;
  at.end = start;
  return wait;
}
