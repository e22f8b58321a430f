/**
 * The one progress renderer: a line per task on stderr with count, rate and ETA, for records (stages, collect) or
 * bytes (downloads). On a terminal it redraws in place; elsewhere, when enabled, it prints a line per 10%.
 * Silent when told to be (CI, --json, --quiet).
 */
import { isCI } from './ci.js';

export interface ProgressOptions {
  label: string;
  total?: number;
  enabled?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** What is counted: records (default) or bytes (shown in MiB). */
  unit?: 'records' | 'bytes';
  /** Extra text after the count (e.g. collect's "kept" count). */
  note?: () => string;
}

/** Progress output is on by default only on an interactive terminal outside CI. */
export function progressEnabledByDefault(stream: { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !isCI(env);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

export class Progress {
  private done = 0;
  private skipped = 0;
  private readonly start = Date.now();
  private lastRender = 0;
  private lastDecile = -1;
  private readonly enabled: boolean;
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = options.enabled ?? progressEnabledByDefault(this.stream);
  }

  /** Records already done in an earlier run (counted, but not in the rate). */
  resumed(n: number): void {
    this.skipped += n;
    this.render(true);
  }

  tick(n = 1): void {
    this.done += n;
    this.render(false);
  }

  /** Sets the count done by this run (for sources that report totals, like a download). */
  set(done: number): void {
    this.done = done;
    this.render(false);
  }

  /** Records per second of this run. */
  rate(): number {
    const secs = (Date.now() - this.start) / 1000;
    return secs > 0 ? this.done / secs : 0;
  }

  line(): string {
    const { label, total } = this.options;
    const count = this.done + this.skipped;
    const rate = this.rate();
    let bar = '';
    let eta = '';
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, count / total);
      const width = 24;
      const full = Math.round(frac * width);
      bar = `[${'#'.repeat(full)}${'.'.repeat(width - full)}] `;
      eta = ` ETA ${formatDuration(rate > 0 ? (total - count) / rate : NaN)}`;
    }
    const bytes = this.options.unit === 'bytes';
    const n = (x: number) => (bytes ? mib(x) : String(x));
    const of = total !== undefined ? `/${n(total)}` : '';
    const resumed = this.skipped ? ` (${n(this.skipped)} resumed)` : '';
    const note = this.options.note ? ` ${this.options.note()}` : '';
    const speed = bytes ? `${mib(rate)}/s` : `${rate.toFixed(rate < 10 ? 2 : 0)} rec/s`;
    return `${label.padEnd(11)} ${bar}${n(count)}${of}${resumed}${note} ${speed}${eta}`;
  }

  private render(force: boolean): void {
    if (!this.enabled) return;
    if (!this.stream.isTTY) {
      // A log, not a terminal: one line per 10% (or per resume), never a redraw.
      const total = this.options.total;
      if (!total) return;
      const decile = Math.floor((10 * Math.min(total, this.done + this.skipped)) / total);
      if (decile <= this.lastDecile && !force) return;
      this.lastDecile = decile;
      this.stream.write(`${this.line()}\n`);
      return;
    }
    const now = Date.now();
    if (!force && now - this.lastRender < 100) return;
    this.lastRender = now;
    this.stream.write(`\r${this.line()}\x1b[K`);
  }

  finish(): void {
    if (!this.enabled) return;
    const end = `${this.line()} in ${formatDuration((Date.now() - this.start) / 1000)}`;
    this.stream.write(this.stream.isTTY ? `\r${end}\x1b[K\n` : `${end}\n`);
  }
}
