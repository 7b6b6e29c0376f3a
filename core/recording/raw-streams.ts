/**
 * The recording of a session without a PTY, byte for byte: asciicast is a terminal format (JSON
 * text, so binary output became U+FFFD and each NUL cost 6 bytes), right for PTYs and wrong for
 * pipes. As sudo's I/O log does, each stream has a file of its own holding exactly the bytes that
 * passed, and a small timing index says when which bytes came:
 *
 *   <recordings>/<session id>.raw/        mode 0700
 *     timing   line 1: a JSON header (format "sshtrail-raw", version 1, the session's details);
 *              then one line per run of output: `<stream> <seconds since start> <bytes>`;
 *              the last line, when the session ended cleanly: `end <seconds> exit=N`
 *              (or signal=NAME, reason=WHY), as asciicast's "sshtrail:end" marker
 *     stdout   the bytes the session wrote to stdout; stderr likewise
 *     stdin    what the client sent, only with recording.input on
 *
 * A stream's bytes are the concatenation of its timing lines' counts, in order. Consecutive
 * chunks of one stream within COALESCE_S share a line, so a fast stream costs a few timing lines
 * per second, not one per chunk. Everything is flushed every `flushInterval` seconds (a crash
 * loses at most about that), and a failed write ends the recording at what is known written.
 * Each file has its hash chain beside it (`stdout.chain`, ...: core/integrity, stream-file.ts).
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingHeader } from './asciicast.js';
import { endHow, type RecorderOptions, recordedSession, type SessionRecorder } from './recorder.js';
import { StreamFile } from './stream-file.js';

export const RAW_FORMAT = 'sshtrail-raw';
export const RAW_SUFFIX = '.raw';
export type RawStream = 'stdout' | 'stderr' | 'stdin';

/** Output chunks of one stream closer together than this share one timing line. */
const COALESCE_S = 0.01;
/** Unwritten bytes past which the session stops reading output until the disk catches up. */
const BACKLOG_LIMIT = 4 * 1024 * 1024;

export class RawStreamsWriter implements SessionRecorder {
  readonly path: string;
  readonly format = 'raw';
  private readonly started = process.hrtime.bigint();
  private readonly timing!: StreamFile;
  private readonly streams = new Map<RawStream, StreamFile>();
  /** The timing line being gathered: a run of one stream's chunks. */
  private run: { stream: RawStream; t: number; bytes: number } | undefined;
  private readonly timer: NodeJS.Timeout;
  private drainWaiters: (() => void)[] = [];
  private failed = false;
  private closed = false;

  constructor(
    dir: string,
    h: RecordingHeader,
    private readonly opts: RecorderOptions,
  ) {
    this.path = join(dir, `${h.sessionId}${RAW_SUFFIX}`);
    mkdirSync(this.path, { mode: 0o700 });
    chmodSync(this.path, 0o700);
    const names: RawStream[] = opts.input ? ['stdout', 'stderr', 'stdin'] : ['stdout', 'stderr'];
    const header = {
      format: RAW_FORMAT,
      version: 1,
      timestamp: Math.floor(Date.now() / 1000),
      streams: names,
      sshtrail: { ...recordedSession(h), shell: h.shell },
    };
    const file = (name: string, direct: boolean, lines: boolean, head?: Buffer) =>
      new StreamFile(
        join(this.path, name),
        {
          direct,
          lines,
          chain: true,
          onWritten: () => this.wakeDrainWaiters(),
          onError: (e) => this.fail(e),
        },
        head,
      );
    // The header first and synchronously: a recording that cannot start fails here, before the
    // session runs, so that recording.on_failure can refuse it.
    try {
      this.timing = file('timing', false, true, Buffer.from(`${JSON.stringify(header)}\n`));
      const direct = opts.directIo !== 'off';
      for (const n of names) this.streams.set(n, file(n, direct, false));
    } catch (err) {
      // Nothing of it stays: a session that was never recorded has no recording (as asciicast's).
      for (const f of this.streams.values()) f.abandon();
      this.timing?.abandon();
      rmSync(this.path, { recursive: true, force: true });
      throw err;
    }
    this.timer = setInterval(() => this.flush(), Math.max(10, opts.flushInterval * 1000));
    this.timer.unref();
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.started) / 1e9;
  }

  private record(stream: RawStream, data: Buffer): void {
    if (this.closed || this.failed || data.length === 0) return;
    const file = this.streams.get(stream);
    if (!file) return;
    file.append(data);
    const t = this.now();
    const r = this.run;
    if (r && r.stream === stream && t - r.t < COALESCE_S) {
      r.bytes += data.length;
      return;
    }
    this.endRun();
    this.run = { stream, t, bytes: data.length };
  }

  private endRun(): void {
    const r = this.run;
    if (!r) return;
    this.run = undefined;
    this.timing.append(Buffer.from(`${r.stream} ${r.t.toFixed(6)} ${r.bytes}\n`));
  }

  output(data: Buffer, stream: 1 | 2 = 1): void {
    this.record(stream === 1 ? 'stdout' : 'stderr', data);
  }

  input(data: Buffer): void {
    if (this.opts.input) this.record('stdin', data);
  }

  /** No terminal, no echo to turn off: input is never hidden here (recorded by input()). */
  hiddenInput(): void {}

  /** No terminal, no size. */
  resize(): void {}

  get backlogged(): boolean {
    if (this.failed) return false;
    let n = 0;
    for (const f of this.streams.values()) n += f.unwritten;
    return n > BACKLOG_LIMIT;
  }

  onDrain(cb: () => void): void {
    if (this.backlogged) this.drainWaiters.push(cb);
    else cb();
  }

  get failedWrite(): boolean {
    return this.failed;
  }

  private wakeDrainWaiters(): void {
    if (this.backlogged || this.drainWaiters.length === 0) return;
    for (const f of this.drainWaiters.splice(0)) f();
  }

  /**
   * One file failed: nothing more is recorded (a stream without its timing, or timing without
   * its bytes, would not be the session any more); the end record is still tried at close.
   */
  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.run = undefined;
    this.opts.onError?.(err);
    this.wakeDrainWaiters();
  }

  private flush(): void {
    this.endRun();
    for (const f of this.streams.values()) f.flush();
    this.timing.flush();
    this.wakeDrainWaiters();
  }

  async close(
    exit: { code: number | null; signal: string | null; reason?: string } | undefined,
  ): Promise<void> {
    if (this.closed) return;
    this.endRun();
    this.closed = true;
    clearInterval(this.timer);
    // The streams first, so that a timing line is never on file before its bytes could be.
    await Promise.all([...this.streams.values()].map((f) => f.close()));
    // After a failed write the end says so (as asciicast's): what ran is in session.end.
    const how = !exit
      ? undefined
      : this.failed
        ? `reason=${exit.reason ?? 'recording_failed'}`
        : endHow(exit);
    const last = how ? Buffer.from(`end ${this.now().toFixed(6)} ${how}\n`) : undefined;
    await this.timing.close(last);
  }
}
