/**
 * asciicast v2 recording of one session, written as it happens. Events are batched in memory and
 * written at most every `flushInterval` seconds or every 64 KiB (one write per chunk cost ~35% of
 * PTY throughput, docs/design.md), so a crash loses at most about a second. Where the filesystem
 * takes O_DIRECT, whole blocks go out every MiB and the rest on the same timer (direct-file.ts:
 * the page cache cost more CPU than the whole SSH transfer). A clean end appends a
 * marker event `[t, "m", "sshtrail:end exit=N"]` (or `signal=NAME`, or `reason=start_failed` /
 * `reason=server_crash` when nothing ran or the server crashed): players ignore or show it,
 * and its absence means the recording was cut (crash, kill -9). The file is written by
 * stream-file.ts (as each file of a raw recording), with its hash chain beside it in
 * `<id>.cast.chain` (core/integrity): players read the .cast untouched.
 */

import { isAscii } from 'node:buffer';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { LineEncoder } from './json-escape.js';
import {
  endHow,
  hiddenInputMarker,
  type RecorderOptions,
  recordedSession,
  type SessionRecorder,
} from './recorder.js';
import { StreamFile } from './stream-file.js';

export const END_MARKER = 'sshtrail:end';

export interface RecordingHeader {
  sessionId: string;
  login: string;
  clientAddr: string;
  clientPort: number;
  kind: string;
  command?: string;
  width: number;
  height: number;
  term?: string;
  shell: string;
}

/** Unwritten recording text past which the session stops reading output until the disk catches up. */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

export function recordingsDir(dataDir: string): string {
  return join(dataDir, 'recordings');
}

export function ensureRecordingsDir(dataDir: string): string {
  const dir = recordingsDir(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export class AsciicastWriter implements SessionRecorder {
  readonly path: string;
  readonly format = 'asciicast';
  private readonly file: StreamFile;
  private readonly started = process.hrtime.bigint();
  private drainWaiters: (() => void)[] = [];
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly out = new StringDecoder('utf8');
  private readonly err = new StringDecoder('utf8');
  private readonly inp = new StringDecoder('utf8');
  private readonly encoder = new LineEncoder();

  constructor(
    dir: string,
    h: RecordingHeader,
    private readonly opts: RecorderOptions,
  ) {
    this.path = join(dir, `${h.sessionId}.cast`);
    const header = {
      version: 2,
      width: h.width,
      height: h.height,
      timestamp: Math.floor(Date.now() / 1000),
      env: { TERM: h.term ?? '', SHELL: h.shell },
      title: h.command ? `${h.login}@sshtrail: ${h.command}` : `${h.login}@sshtrail`,
      sshtrail: recordedSession(h),
    };
    // The header is written at once, synchronously: a recording that cannot be started (disk
    // full) fails here, before the session runs, so that recording.on_failure can refuse it.
    this.file = new StreamFile(
      this.path,
      {
        direct: opts.directIo !== 'off',
        lines: true,
        chain: true,
        onWritten: () => this.wakeDrainWaiters(),
        onError: (e) => this.opts.onError?.(e),
        // Every line encoded so far is in this write or an earlier one: the slabs retired until
        // now are free once it is done.
        onWriteStart: () => {
          const done = this.encoder.takeRetired();
          return () => this.encoder.recycle(done);
        },
      },
      Buffer.from(`${JSON.stringify(header)}\n`),
    );
    this.timer = setInterval(() => this.flush(), Math.max(10, opts.flushInterval * 1000));
    this.timer.unref();
  }

  private now(): string {
    return (Number(process.hrtime.bigint() - this.started) / 1e9).toFixed(6);
  }

  private push(line: string | Buffer): void {
    if (this.closed) return;
    this.file.append(typeof line === 'string' ? Buffer.from(line, 'utf8') : line);
    // Copied into an aligned slab, or never to be written (a failed write): the encoder's slabs
    // are free again at once.
    if (this.file.copies || this.file.failedWrite) this.encoder.recycle(this.encoder.takeRetired());
  }

  private event(code: string, data: string): void {
    if (data) this.push(`[${this.now()}, "${code}", ${JSON.stringify(data)}]\n`);
  }

  /**
   * True when more than BACKLOG_LIMIT of text waits for the disk: the caller should stop reading
   * the session's output until `onDrain` (recording never drops, and never buffers without bound).
   */
  get backlogged(): boolean {
    return this.file.unwritten > BACKLOG_LIMIT;
  }

  onDrain(cb: () => void): void {
    if (this.backlogged) this.drainWaiters.push(cb);
    else cb();
  }

  /** Output shown to the client; stderr (stream 2) gets its own UTF-8 decoder. */
  output(data: Buffer, stream: 1 | 2 = 1): void {
    const decoder = stream === 1 ? this.out : this.err;
    // Fast path for ASCII with no partial character pending (most terminal output): latin1
    // decoding and encoding are exact for ASCII and much cheaper than UTF-8 ones, and the line is
    // encoded straight into a reused slab (json-escape.ts: no Buffer allocation per chunk).
    if (data.length && isAscii(data) && (decoder as unknown as { lastNeed: number }).lastNeed === 0) {
      if (this.closed) return;
      this.push(this.encoder.line(`[${this.now()}, "o", `, data, ']\n'));
      return;
    }
    this.event('o', decoder.write(data));
  }

  input(data: Buffer): void {
    if (this.opts.input) this.event('i', this.inp.write(data));
  }

  /** A marker event in place of input typed with echo off (recorder.ts, hiddenInput). */
  hiddenInput(bytes: number): void {
    if (this.opts.input && bytes > 0) this.event('m', hiddenInputMarker(bytes));
  }

  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`);
  }

  private wakeDrainWaiters(): void {
    if (this.backlogged || this.drainWaiters.length === 0) return;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /**
   * Whether a write failed: nothing more is written but the end marker at close, and the file is
   * cut back to its last whole line, so it stays a valid (shorter) recording.
   */
  get failedWrite(): boolean {
    return this.file.failedWrite;
  }

  private flush(): void {
    this.wakeDrainWaiters();
    this.file.flush();
  }

  private marker(how: string): Buffer {
    return Buffer.from(`[${this.now()}, "m", ${JSON.stringify(`${END_MARKER} ${how}`)}]\n`);
  }

  /**
   * Writes what is left and the end marker, and closes the file. After a failed write the marker
   * goes right after the last whole line, if there is room for it (cutting back freed some).
   */
  async close(
    exit: { code: number | null; signal: string | null; reason?: string } | undefined,
  ): Promise<void> {
    if (this.closed) return;
    this.event('o', this.out.end() + this.err.end());
    this.closed = true;
    clearInterval(this.timer);
    // reason: the process never ran or its end is unknown (`sshtrail:end reason=start_failed`).
    const last = exit ? this.marker(endHow(exit)) : undefined;
    await this.file.close(last, this.marker(`reason=${exit?.reason ?? 'recording_failed'}`));
  }
}
