/**
 * Structured logging to stderr. stdout is reserved for the one "listening" line and command
 * output, so scripts can parse it.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  write?: (line: string) => void;
  /** Repeats of one line (level, message, client) allowed per window before they are counted instead. */
  repeatLimit?: { max: number; windowMs: number; now?: () => number };
  /** Shared by a logger and its children. */
  limiter?: RepeatLimiter;
}

/**
 * One client opening 1000 channels must not write 1000 warnings: per window, the first `max`
 * lines with the same level, message and client are written, later ones only counted, and the
 * count is reported once (on the next such line after the window, or by a timer at its end).
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, { start: number; count: number; timer?: NodeJS.Timeout }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** true: write the line; false: suppressed. `summary` writes the suppressed-count line. */
  allow(key: string, summary: (suppressed: number) => void): boolean {
    const t = this.now();
    let e = this.seen.get(key);
    if (e && t - e.start >= this.windowMs) {
      this.flush(key, summary);
      e = undefined;
    }
    if (!e) {
      e = { start: t, count: 0 };
      this.seen.set(key, e);
    }
    e.count++;
    if (e.count <= this.max) return true;
    if (!e.timer) {
      e.timer = setTimeout(() => this.flush(key, summary), this.windowMs - (t - e.start));
      e.timer.unref();
    }
    return false;
  }

  private flush(key: string, summary: (suppressed: number) => void): void {
    const e = this.seen.get(key);
    if (!e) return;
    this.seen.delete(key);
    if (e.timer) clearTimeout(e.timer);
    if (e.count > this.max) summary(e.count - this.max);
  }
}

/**
 * Control characters, line and paragraph separators, bidi controls and other invisible format
 * characters: what could forge a line or hide text in a terminal or log viewer.
 */
const unsafe = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return named[c] ?? (cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`);
}

/** A message for the text log: unsafe characters escaped, so one call is always one line. */
export function escapeText(s: string): string {
  return s.replace(unsafe, escapeChar);
}

/** A field value for the text log: escaped, and quoted when it has spaces, quotes, `=` or is empty. */
export function textValue(v: unknown): string {
  const raw = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  const needsQuotes = raw === '' || /[\s"=\\]/u.test(raw) || unsafe.test(raw);
  unsafe.lastIndex = 0;
  if (!needsQuotes) return raw;
  return `"${raw.replace(/["\\]/g, '\\$&').replace(unsafe, escapeChar)}"`;
}

/** JSON.stringify leaves U+2028/U+2029 raw (valid JSON, but line breaks to some readers). */
export function jsonLine(o: unknown): string {
  return JSON.stringify(o).replace(/[\u2028\u2029]/g, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16)}`);
}

export function createLogger(opts: LoggerOptions = {}, bindings: Record<string, unknown> = {}): Logger {
  const min = order[opts.level ?? 'info'];
  const format = opts.format ?? 'text';
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const rl = opts.repeatLimit ?? { max: 10, windowMs: 60_000 };
  const limiter = opts.limiter ?? new RepeatLimiter(rl.max, rl.windowMs, rl.now);
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const all = { ...bindings, ...fields };
    const key = `${level}\0${msg}\0${String(all.client ?? '')}`;
    const summary = (n: number) =>
      emit(level, `suppressed ${n} similar lines: ${msg}`, {
        ...bindings,
        ...(all.client ? { client: all.client } : {}),
        suppressed: n,
      });
    if (!limiter.allow(key, summary)) return;
    emit(level, msg, all);
  };
  const emit = (level: LogLevel, msg: string, all: Record<string, unknown>) => {
    if (format === 'json') {
      write(`${jsonLine({ time: new Date().toISOString(), level, msg, ...all })}\n`);
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${escapeText(k)}=${textValue(v)}`)
        .join(' ');
      write(
        `${new Date().toISOString()} ${level.toUpperCase()} ${escapeText(msg)}${extra ? ` ${extra}` : ''}\n`,
      );
    }
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (b) => createLogger({ ...opts, limiter }, { ...bindings, ...b }),
  };
}

/** A logger that discards everything (tests, library use). */
export const silentLogger: Logger = createLogger({ write: () => {} });
