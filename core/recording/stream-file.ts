/**
 * One file of a raw recording, appended as the session runs: a stream's bytes (stdout, stderr,
 * stdin) or the timing index. Bytes gather in memory and go out with one writev per flush (the
 * owner flushes on its timer and past FLUSH_BYTES); where the filesystem takes O_DIRECT and the
 * caller asks for it, whole blocks bypass the page cache (direct-file.ts: on a cold VM the page
 * cache costs more CPU than the SSH transfer). The file is always an exact prefix of what was
 * appended: after a failed or short write nothing more is written and the file is cut back to
 * the last byte known written (to the last whole line for the timing index), so a disk-full
 * recording is shorter, never torn.
 */
import { close, closeSync, constants, ftruncateSync, openSync, writev } from 'node:fs';
import { DirectAppender } from './direct-file.js';
import { lastLineEnd, writeWhole } from './whole-lines.js';

const FLUSH_BYTES = 256 * 1024;

function shortWrite(n: number, total: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`short write: ${n} of ${total} bytes (no space)`);
  err.code = 'ENOSPC';
  return err;
}

export interface StreamFileOptions {
  /** Try O_DIRECT for whole blocks (recording.direct_io auto); the timing index never does. */
  direct: boolean;
  /** A failed write cuts back to the last newline instead of the last byte written. */
  lines: boolean;
  /** Something was written: the owner may release held output. */
  onWritten: () => void;
  onError: (err: Error) => void;
}

export class StreamFile {
  private readonly fd: number;
  private readonly dfd: number | undefined;
  private readonly directAppender: DirectAppender | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflight = 0;
  private writing = false;
  private goodEnd = 0;
  private failed = false;
  private idleWaiters: (() => void)[] = [];
  private appended = 0;

  /** Creates the file (it must not exist), mode 0600, with `head` written synchronously. */
  constructor(
    readonly path: string,
    private readonly opts: StreamFileOptions,
    head?: Buffer,
  ) {
    this.fd = openSync(path, 'wx', 0o600);
    if (head?.length) {
      // At once, synchronously: a recording that cannot be started fails before the session runs.
      try {
        writeWhole(this.fd, head, 0);
      } catch (err) {
        closeSync(this.fd);
        throw err;
      }
      this.goodEnd = head.length;
      this.appended = head.length;
    }
    if (opts.direct) {
      try {
        this.dfd = openSync(path, constants.O_WRONLY | constants.O_DIRECT);
      } catch {
        // No O_DIRECT on this filesystem: buffered writes.
      }
    }
    if (this.dfd !== undefined) {
      this.directAppender = new DirectAppender(path, this.dfd, this.fd, opts.onWritten, (e) => this.fail(e));
      if (head?.length) this.directAppender.seed(head);
    }
  }

  /** Closes the descriptors at once, writing nothing more (the recording could not start). */
  abandon(): void {
    this.failed = true;
    for (const fd of [this.dfd, this.fd]) if (fd !== undefined) closeSync(fd);
  }

  /** Bytes appended, the head included: the file's length once everything is written. */
  get size(): number {
    return this.appended;
  }

  /** Bytes appended that are not on file yet (0 after a failure: nothing more will be). */
  get unwritten(): number {
    if (this.failed) return 0;
    if (this.directAppender) return this.directAppender.unwritten;
    return this.pendingBytes + this.inflight;
  }

  get failedWrite(): boolean {
    return this.failed;
  }

  /** Keeps `b` (it must not be changed afterwards) until written. */
  append(b: Buffer): void {
    if (this.failed || b.length === 0) return;
    this.appended += b.length;
    if (this.directAppender) {
      this.directAppender.append(b);
      return;
    }
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.directAppender) {
      this.directAppender.flush();
      return;
    }
    if (this.failed) this.pending = [];
    if (this.writing) return;
    if (this.pending.length === 0) {
      for (const f of this.idleWaiters.splice(0)) f();
      return;
    }
    const chunks = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inflight = total;
    this.writing = true;
    writev(this.fd, chunks, this.goodEnd, (err, n) => {
      this.writing = false;
      this.inflight = 0;
      if (!err && n === total) this.goodEnd += n;
      else this.fail(err ?? shortWrite(n, total));
      this.opts.onWritten();
      this.flush();
    });
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.cutBack();
    this.opts.onError(err);
  }

  /** After a failure: the file ends at its last byte (or line) known to be written. */
  private cutBack(): void {
    try {
      if (this.directAppender) this.goodEnd = this.directAppender.writtenEnd;
      if (this.opts.lines) this.goodEnd = lastLineEnd(this.path, this.goodEnd);
      ftruncateSync(this.fd, this.goodEnd);
    } catch {
      // Tried again at close.
    }
  }

  /**
   * Writes everything, then `last` (the end record) if given, and closes the file. After a
   * failure, `last` still goes right after what remains when there is room for it.
   */
  async close(last?: Buffer): Promise<void> {
    if (last && !this.failed) this.append(last);
    this.flush();
    if (this.directAppender) {
      await this.directAppender.idle();
      this.directAppender.dispose();
      const dfd = this.dfd as number;
      await new Promise<void>((r) => close(dfd, () => r()));
    } else if (this.writing || this.pending.length) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
    if (this.failed) {
      this.cutBack();
      if (last) {
        try {
          writeWhole(this.fd, last, this.goodEnd);
        } catch {
          // No room even for the end record: the file simply ends, unmarked.
        }
      }
    }
    await new Promise<void>((r) => close(this.fd, () => r()));
  }
}
