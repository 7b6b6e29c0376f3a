/**
 * One file of a raw recording, appended as the session runs: a stream's bytes (stdout, stderr,
 * stdin) or the timing index. Bytes gather in memory and go out with one writev per flush (the
 * owner flushes on its timer and past FLUSH_BYTES); where the filesystem takes O_DIRECT and the
 * caller asks for it, whole blocks bypass the page cache (direct-file.ts: on a cold VM the page
 * cache costs more CPU than the SSH transfer). The file is always an exact prefix of what was
 * appended: after a failed or short write nothing more is written and the file is cut back to
 * the last byte known written (to the last whole line for line files), so a disk-full
 * recording is shorter, never torn. Both recording formats write through it: the .cast of a PTY
 * session and each file of a raw recording.
 *
 * With `chain`, every byte also goes through the file's hash chain (core/integrity: a sidecar
 * `<file>.chain`, one line per block of at most 64 KiB or per flush), and a block's line is
 * released only once this file reports the block written.
 */
import { close, closeSync, constants, ftruncateSync, openSync, readSync, rmSync, writev } from 'node:fs';
import { ChainWriter } from '../integrity/writer.js';
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
  /** Keep the file's hash chain (core/integrity) beside it. */
  chain?: boolean;
  /** Something was written: the owner may release held output. */
  onWritten: () => void;
  onError: (err: Error) => void;
  /**
   * Called as a buffered write starts; what it returns is called once that write is done (the
   * asciicast writer recycles the encoder slabs the write read from).
   */
  onWriteStart?: () => (() => void) | undefined;
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
  private readonly chain: ChainWriter | undefined;

  /**
   * Creates the file (it must not exist), mode 0600, with `head` written synchronously; a
   * failure leaves no file behind.
   */
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
        rmSync(path, { force: true });
        throw err;
      }
      this.goodEnd = head.length;
      this.appended = head.length;
    }
    if (opts.chain) {
      try {
        this.chain = ChainWriter.create(path, { onError: (e) => this.fail(e) });
      } catch (err) {
        closeSync(this.fd);
        rmSync(path, { force: true });
        throw err;
      }
      if (head?.length) {
        this.chain.add(head);
        this.chain.written(head.length);
      }
    }
    if (opts.direct) {
      try {
        this.dfd = openSync(path, constants.O_WRONLY | constants.O_DIRECT);
      } catch {
        // No O_DIRECT on this filesystem: buffered writes.
      }
    }
    if (this.dfd !== undefined) {
      this.directAppender = new DirectAppender(
        path,
        this.dfd,
        this.fd,
        () => this.wrote(),
        (e) => this.fail(e),
      );
      if (head?.length) this.directAppender.seed(head);
    }
  }

  /** Closes the descriptors at once, writing nothing more (the recording could not start). */
  abandon(): void {
    this.failed = true;
    for (const fd of [this.dfd, this.fd]) if (fd !== undefined) closeSync(fd);
    this.chain?.abandon();
  }

  /** Whether append() copies what it is given (O_DIRECT slabs): the caller may reuse it at once. */
  get copies(): boolean {
    return this.directAppender !== undefined;
  }

  /** A write finished: its blocks' chain lines can go out. */
  private wrote(): void {
    if (this.chain && !this.failed) {
      this.chain.written(this.directAppender ? this.directAppender.writtenEnd : this.goodEnd);
      this.chain.flush();
    }
    this.opts.onWritten();
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
    this.chain?.add(b);
    if (this.directAppender) {
      this.directAppender.append(b);
      return;
    }
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    // A block ends at every flush: what a crash could lose is never inside a chained block.
    if (!this.failed) this.chain?.cut();
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
    const done = this.opts.onWriteStart?.();
    writev(this.fd, chunks, this.goodEnd, (err, n) => {
      this.writing = false;
      this.inflight = 0;
      done?.();
      if (!err && n === total) this.goodEnd += n;
      else this.fail(err ?? shortWrite(n, total));
      this.wrote();
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
      this.chain?.rewind(this.goodEnd, (from, to) => readRange(this.path, from, to));
    } catch {
      // Tried again at close.
    }
  }

  /**
   * Writes everything, then `last` (the end record) if given, and closes the file. After a
   * failure, `lastIfFailed` (or `last`) still goes right after what remains when there is room.
   */
  async close(last?: Buffer, lastIfFailed: Buffer | undefined = last): Promise<void> {
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
    let end = this.appended;
    if (this.failed) {
      this.cutBack();
      end = this.goodEnd;
      if (lastIfFailed) {
        try {
          writeWhole(this.fd, lastIfFailed, this.goodEnd);
          this.chain?.add(lastIfFailed);
          end += lastIfFailed.length;
        } catch {
          // No room even for the end record: the file simply ends, unmarked.
        }
      }
    }
    this.chain?.cut();
    await this.chain?.close(end);
    await new Promise<void>((r) => close(this.fd, () => r()));
  }
}

/** Bytes [from, to) of the file at `path` (what a failed write left on file, to chain it). */
function readRange(path: string, from: number, to: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
