/** Structured logs: one JSON object per event, appended to a file (and mirrored to stderr when asked). */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** JSONL file that receives every event. */
  file?: string;
  /** Mirror events at or above this level to stderr as human text ('warn' by default; 'none' to mute). */
  stderrLevel?: LogLevel | 'none';
  /** Mirror as JSON lines instead of text. */
  stderrJson?: boolean;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(options: LoggerOptions = {}): Logger {
  if (options.file) mkdirSync(dirname(options.file), { recursive: true });
  const minStderr = options.stderrLevel ?? 'warn';
  const log = (level: LogLevel, event: string, fields: Record<string, unknown> = {}) => {
    const entry = { time: new Date().toISOString(), level, event, ...fields };
    if (options.file) appendFileSync(options.file, `${JSON.stringify(entry)}\n`);
    if (minStderr !== 'none' && ORDER[level] >= ORDER[minStderr]) {
      if (options.stderrJson) process.stderr.write(`${JSON.stringify(entry)}\n`);
      else {
        const extra = Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        process.stderr.write(`selfj ${level}: ${event}${extra ? ` ${extra}` : ''}\n`);
      }
    }
  };
  return { log, info: (e, f) => log('info', e, f), warn: (e, f) => log('warn', e, f) };
}

export const silentLogger: Logger = { log() {}, info() {}, warn() {} };
