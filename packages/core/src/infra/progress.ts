/** A one-line progress bar per stage on stderr: count, rate and ETA. Silent when told to be (CI, --json, --quiet). */

export interface ProgressOptions {
  label: string;
  total?: number;
  enabled?: boolean;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Progress output is on by default only on an interactive terminal outside CI. */
export function progressEnabledByDefault(stream: { isTTY?: boolean } = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.CI;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class Progress {
  private done = 0;
  private skipped = 0;
  private readonly start = Date.now();
  private lastRender = 0;
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
    const of = total !== undefined ? `/${total}` : '';
    const resumed = this.skipped ? ` (${this.skipped} resumed)` : '';
    return `${label.padEnd(11)} ${bar}${count}${of}${resumed} ${rate.toFixed(rate < 10 ? 2 : 0)} rec/s${eta}`;
  }

  private render(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastRender < 100) return;
    this.lastRender = now;
    this.stream.write(`\r${this.line()}\x1b[K`);
  }

  finish(): void {
    if (!this.enabled) return;
    this.stream.write(`\r${this.line()} in ${formatDuration((Date.now() - this.start) / 1000)}\x1b[K\n`);
  }
}
