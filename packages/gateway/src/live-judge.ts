/**
 * The judge and threshold in use, swappable while requests run. A request takes a lease on the current pair at its
 * start and keeps it to its end, so it is scored and decided by one judge and the tau calibrated for it, whatever
 * reloads happen meanwhile. A reload (SIGHUP, or the threshold file / judge artifact changing on disk) reads the
 * threshold, opens the judge again only when its artifact changed, checks that they fit, and only then swaps; on
 * any error the old pair stays in use. A replaced judge is closed once its last lease ends, so no request fails.
 */
import { unwatchFile, watchFile } from 'node:fs';
import type { Judge, JudgeItem, JudgeScore } from '@selfj/core';
import { MicroBatcher, type BatcherOptions } from './batcher.js';
import { checkThreshold, headWeightsKnown, readThreshold, type Threshold } from './threshold.js';

/** Where the judge comes from, so it can be opened again after its artifact changes. */
export interface JudgeSource {
  /** The judge id as configured (e.g. "head:/runs/a/train"). */
  id: string;
  open(): Promise<Judge>;
  /** A value that changes when the artifact changes (a trained head: its manifest); "" when there is nothing to reload. */
  stamp(): string;
  /** Files whose change should trigger a reload (a trained head: its manifest.json). */
  watchPaths?(): string[];
}

export interface LiveJudgeOptions {
  source: JudgeSource;
  thresholdFile: string;
  unverifiedThreshold: boolean;
  batch: BatcherOptions;
  /** Reload when the threshold file or the judge's files change. */
  watch: boolean;
  notice?: (line: string) => void;
  onBatch?: (size: number, oldestWaitMs: number) => void;
  onReload?: (ok: boolean, detail: string, tau: number | null) => void;
}

interface JudgeHandle {
  judge: Judge;
  fingerprint: Record<string, unknown>;
  stamp: string;
  batcher: MicroBatcher<JudgeItem, JudgeScore>;
  leases: number;
  retired: boolean;
  closing?: Promise<void>;
}

interface Current {
  handle: JudgeHandle;
  threshold: Threshold;
  generation: number;
}

export interface Lease {
  readonly judge: Judge;
  readonly threshold: Threshold;
  readonly tau: number | null;
  readonly generation: number;
  /** Scores through the micro-batcher of this lease's judge. */
  score(items: JudgeItem[], signal?: AbortSignal): Promise<(JudgeScore | Error)[]>;
  release(): void;
}

export class LiveJudge {
  private current!: Current;
  private chain: Promise<unknown> = Promise.resolve();
  private watched: string[] = [];
  private debounce: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly o: LiveJudgeOptions) {}

  static async start(o: LiveJudgeOptions): Promise<LiveJudge> {
    const live = new LiveJudge(o);
    const threshold = readThreshold(o.thresholdFile);
    const handle = await live.openHandle();
    try {
      live.check(threshold, handle);
    } catch (e) {
      await handle.judge.close?.();
      throw e;
    }
    live.current = { handle, threshold, generation: 1 };
    if (o.watch) live.watch();
    return live;
  }

  get judge(): Judge {
    return this.current.handle.judge;
  }

  get threshold(): Threshold {
    return this.current.threshold;
  }

  get generation(): number {
    return this.current.generation;
  }

  acquire(): Lease {
    const { handle, threshold, generation } = this.current;
    handle.leases++;
    let released = false;
    return {
      judge: handle.judge,
      threshold,
      tau: threshold.tau,
      generation,
      score: (items, signal) => handle.batcher.submit(items, signal),
      release: () => {
        if (released) return;
        released = true;
        handle.leases--;
        void this.maybeClose(handle);
      },
    };
  }

  /** Reads the threshold again and reopens the judge if its artifact changed; swaps only when both fit. */
  reload(reason: string): Promise<{ ok: boolean; detail: string }> {
    const run = this.chain.then(() => this.doReload(reason));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doReload(reason: string): Promise<{ ok: boolean; detail: string }> {
    if (this.closed) return { ok: false, detail: 'closed' };
    const old = this.current;
    let opened: JudgeHandle | undefined;
    try {
      const threshold = readThreshold(this.o.thresholdFile);
      const stamp = this.o.source.stamp();
      const handle = stamp !== old.handle.stamp ? (opened = await this.openHandle()) : old.handle;
      this.check(threshold, handle);
      this.current = { handle, threshold, generation: old.generation + 1 };
      if (handle !== old.handle) {
        old.handle.retired = true;
        void this.maybeClose(old.handle);
      }
      const detail = `${reason}: tau ${threshold.tau ?? 'none'} (${threshold.hash})${opened ? `, judge reopened (${handle.judge.id})` : ''}`;
      this.o.onReload?.(true, detail, threshold.tau);
      if (this.o.watch) this.watch();
      return { ok: true, detail };
    } catch (e) {
      if (opened) await opened.judge.close?.().catch(() => undefined);
      const detail = `${reason}: kept the previous threshold and judge: ${e instanceof Error ? e.message : String(e)}`;
      this.o.onReload?.(false, detail, old.threshold.tau);
      return { ok: false, detail };
    }
  }

  private check(threshold: Threshold, handle: JudgeHandle): void {
    checkThreshold(threshold, { id: handle.judge.id, fingerprint: handle.fingerprint }, this.o.unverifiedThreshold);
    if (!threshold.judge && this.o.unverifiedThreshold) this.o.notice?.(`threshold ${threshold.file} does not name its judge; accepted unchecked (--unverified-threshold)`);
    else if (threshold.judge?.id?.startsWith('head:') && typeof handle.fingerprint.weights === 'string' && !headWeightsKnown(threshold.judge.id)) {
      this.o.notice?.(`threshold ${threshold.file} names the judge ${threshold.judge.id}, which is not on this machine: its weights could not be compared (model and template were)`);
    }
  }

  private async openHandle(): Promise<JudgeHandle> {
    const stamp = this.o.source.stamp();
    const judge = await this.o.source.open();
    try {
      const fingerprint = await judge.fingerprint();
      const batcher = new MicroBatcher<JudgeItem, JudgeScore>((items) => judge.score(items), { ...this.o.batch, onBatch: this.o.onBatch });
      return { judge, fingerprint, stamp, batcher, leases: 0, retired: false };
    } catch (e) {
      await judge.close?.().catch(() => undefined);
      throw e;
    }
  }

  private maybeClose(h: JudgeHandle): Promise<void> {
    if (h.retired && h.leases === 0 && h !== this.current?.handle) {
      h.retired = false; // close once
      h.closing = Promise.resolve(h.judge.close?.()).catch((e) => this.o.notice?.(`closing the replaced judge failed: ${(e as Error).message}`));
    }
    return h.closing ?? Promise.resolve();
  }

  private watch(): void {
    const paths = [this.o.thresholdFile, ...(this.o.source.watchPaths?.() ?? [])];
    for (const p of this.watched.filter((w) => !paths.includes(w))) unwatchFile(p);
    for (const p of paths.filter((w) => !this.watched.includes(w))) {
      // Polling the stat survives editors and atomic writes that replace the file (fs.watch loses the inode).
      watchFile(p, { interval: 250, persistent: false }, (now, before) => {
        if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.reload(`${p} changed`), 100);
      });
    }
    this.watched = paths;
  }

  /** Stops watching, waits for running reloads and closes the judge (after the last lease when one is held). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.debounce);
    for (const p of this.watched) unwatchFile(p);
    this.watched = [];
    await this.chain;
    const h = this.current.handle;
    h.retired = true;
    // No longer current: drop the reference so maybeClose closes it now or when its last lease ends.
    (this.current as { handle?: JudgeHandle }).handle = undefined;
    if (h.leases === 0) await this.maybeClose(h);
    else void this.maybeClose(h);
  }
}
