/**
 * asciicast v2 recording of one session, written as it happens. Events are batched in memory and
 * written at most every `flushInterval` seconds or every 64 KiB (one write per chunk cost ~35% of
 * PTY throughput, docs/design.md), so a crash loses at most about a second. Where the filesystem
 * takes O_DIRECT, whole blocks go out every MiB and the rest on the same timer (direct-file.ts:
 * the page cache cost more CPU than the whole SSH transfer). A clean end appends a
 * marker event `[t, "m", "sshtrail:end exit=N"]` (or `signal=NAME`, or `reason=start_failed` /
 * `reason=server_crash` when nothing ran or the server crashed): players ignore or show it,
 * and its absence means the recording was cut (crash, kill -9).
 */

import { isAscii } from 'node:buffer';
import {
  chmodSync,
  close,
  closeSync,
  constants,
  ftruncateSync,
  mkdirSync,
  openSync,
  unlinkSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { DirectAppender } from './direct-file.js';
import { LineEncoder } from './json-escape.js';
import {
  endHow,
  hiddenInputMarker,
  type RecorderOptions,
  recordedSession,
  type SessionRecorder,
} from './recorder.js';
import { lastLineEnd, writeWhole } from './whole-lines.js';

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

const FLUSH_BYTES = 64 * 1024;
/** Unwritten recording text past which the session stops reading output until the disk catches up. */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

function noSpace(n: number, total: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`short write: ${n} of ${total} bytes (no space)`);
  err.code = 'ENOSPC';
  return err;
}

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
  private readonly fd: number;
  private readonly started = process.hrtime.bigint();
  /** Encoded lines not yet written (written with one writev; joining big strings cost more). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private writing = false;
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private readonly out = new StringDecoder('utf8');
  private readonly err = new StringDecoder('utf8');
  private readonly inp = new StringDecoder('utf8');
  private idle: (() => void) | undefined;
  private failed = false;
  private readonly encoder = new LineEncoder();
  /** O_DIRECT writer when the filesystem takes it (direct-file.ts); else buffered writev below. */
  private readonly direct: DirectAppender | undefined;
  private dfd: number | undefined;
  /** Buffered writes: the end of the whole lines on file (a failed write is cut back to it). */
  private goodEnd = 0;

  constructor(
    dir: string,
    h: RecordingHeader,
    private readonly opts: RecorderOptions,
  ) {
    this.path = join(dir, `${h.sessionId}.cast`);
    this.fd = openSync(this.path, 'wx', 0o600);
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
    const head = Buffer.from(`${JSON.stringify(header)}\n`);
    try {
      writeWhole(this.fd, head, 0);
    } catch (err) {
      closeSync(this.fd);
      try {
        unlinkSync(this.path);
      } catch {}
      throw err;
    }
    this.goodEnd = head.length;
    if (opts.directIo !== 'off') {
      try {
        this.dfd = openSync(this.path, constants.O_WRONLY | constants.O_DIRECT);
      } catch {
        // No O_DIRECT here (some filesystems): buffered writes.
      }
    }
    if (this.dfd !== undefined) {
      this.direct = new DirectAppender(
        this.path,
        this.dfd,
        this.fd,
        () => this.wakeDrainWaiters(),
        (err) => this.fail(err),
      );
      this.direct.seed(head);
    }
    this.timer = setInterval(() => this.flush(), Math.max(10, opts.flushInterval * 1000));
    this.timer.unref();
  }

  private now(): string {
    return (Number(process.hrtime.bigint() - this.started) / 1e9).toFixed(6);
  }

  private push(line: string | Buffer): void {
    if (this.closed) return;
    const b = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
    if (this.direct) {
      // Copied into the aligned slab: the encoder's slabs are free again at once.
      this.direct.append(b);
      this.encoder.recycle(this.encoder.takeRetired());
      return;
    }
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  private event(code: string, data: string): void {
    if (data) this.push(`[${this.now()}, "${code}", ${JSON.stringify(data)}]\n`);
  }

  /**
   * True when more than BACKLOG_LIMIT of text waits for the disk: the caller should stop reading
   * the session's output until `onDrain` (recording never drops, and never buffers without bound).
   */
  get backlogged(): boolean {
    if (this.failed) return false;
    if (this.direct) return this.direct.unwritten > BACKLOG_LIMIT;
    return this.pendingBytes + this.inflight > BACKLOG_LIMIT;
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
   * A write failed: nothing more is written but the end marker at close, and the file is cut
   * back to its last whole line, so it stays a valid (shorter) recording.
   */
  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    try {
      if (this.direct) this.goodEnd = lastLineEnd(this.path, this.direct.writtenEnd);
      ftruncateSync(this.fd, this.goodEnd);
    } catch {
      // The cut is tried again when the end marker is written at close.
    }
    this.opts.onError?.(err);
  }

  /** Whether writing failed (the recording ends at its last whole line before the failure). */
  get failedWrite(): boolean {
    return this.failed;
  }

  private flush(): void {
    this.wakeDrainWaiters();
    if (this.direct) {
      this.direct.flush();
      return;
    }
    if (this.failed) {
      this.pending = [];
      this.encoder.takeRetired(); // nothing will be written: let the full slabs go
    }
    if (this.writing) return;
    if (this.pending.length === 0) {
      this.idle?.();
      return;
    }
    const chunks = this.pending;
    this.pending = [];
    this.inflight = this.pendingBytes;
    this.pendingBytes = 0;
    this.writing = true;
    // Every line encoded so far is in `chunks` or was written before: the slabs retired until now
    // are free once this write is done.
    const done = this.encoder.takeRetired();
    const total = this.inflight;
    writev(this.fd, chunks, this.goodEnd, (err, n) => {
      this.writing = false;
      this.encoder.recycle(done);
      this.inflight = 0;
      this.wakeDrainWaiters();
      if (!err && n === total) this.goodEnd += n;
      else this.fail(err ?? noSpace(n, total));
      this.flush();
    });
  }

  /**
   * After a failed write: the end marker goes right after the last whole line, if there is room
   * for it (cutting back freed some); otherwise the recording simply ends there, unmarked.
   */
  private endAfterFailure(reason: string | undefined): void {
    const line = Buffer.from(
      `[${this.now()}, "m", ${JSON.stringify(`${END_MARKER} reason=${reason ?? 'recording_failed'}`)}]\n`,
    );
    try {
      ftruncateSync(this.fd, this.goodEnd);
      writeWhole(this.fd, line, this.goodEnd);
    } catch {
      try {
        ftruncateSync(this.fd, this.goodEnd);
      } catch {}
    }
  }

  /** Writes what is left and the end marker, and closes the file. */
  async close(
    exit: { code: number | null; signal: string | null; reason?: string } | undefined,
  ): Promise<void> {
    if (this.closed) return;
    this.event('o', this.out.end() + this.err.end());
    if (exit) {
      // reason: the process never ran or its end is unknown (`sshtrail:end reason=start_failed`).
      this.event('m', `${END_MARKER} ${endHow(exit)}`);
    }
    this.closed = true;
    clearInterval(this.timer);
    if (this.direct) {
      this.direct.flush();
      await this.direct.idle();
      this.direct.dispose();
      const dfd = this.dfd as number;
      await new Promise<void>((resolve) => close(dfd, () => resolve()));
    } else {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        this.flush();
      });
    }
    if (this.failed) this.endAfterFailure(exit?.reason);
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }
}
