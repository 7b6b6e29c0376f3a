/**
 * The file sink's transport: an append-only file that rotates by size and age and syncs on a
 * policy. Writes are one `write(2)` per batch on an O_APPEND descriptor opened 0600 in a 0700
 * directory.
 *
 * Whole lines only: when a write stops short (ENOSPC, EDQUOT, EIO), the file is cut back with
 * ftruncate to the end of the last whole line written, so a reader never sees half an event and a
 * retry of the rest never duplicates or splices a line. The append then fails with an
 * AppendError telling how many bytes (whole lines) were kept.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  write,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface RotationPolicy {
  maxBytes: number;
  maxAgeMs: number;
  keep: number;
  /** The directory is sshtrail's own: make it 0700 even if it exists. */
  privateDir?: boolean;
  /** The clock for age-based rotation (tests turn it). */
  now?: () => number;
  /** Told what reaches the file, whole lines only (core/integrity keeps its hash chain). */
  observer?: FileObserver;
}

export interface FileObserver {
  appended(bytes: Buffer): void;
  rotated(to: string): void;
  removed(path: string): void;
}

/** An append that stopped short; the file holds the first `keptBytes` of it (whole lines). */
export class AppendError extends Error {
  readonly code: string | undefined;

  constructor(
    err: NodeJS.ErrnoException,
    readonly keptBytes: number,
  ) {
    super(err.message, { cause: err });
    this.name = 'AppendError';
    this.code = err.code;
  }
}

export { isNoSpace } from '../../core/errors.js';

/**
 * One write(2) of `buf`, all-or-nothing per line: when the kernel takes only part of it, the file
 * is cut back to the last whole line at once, in the write's own callback (a reader tailing the
 * file can see the partial line only for that instant, and no later write is ever joined to it).
 * A short write to a regular file means no room (the filesystem, a quota or RLIMIT_FSIZE): it is
 * reported as ENOSPC; the kernel's own error comes with the next write.
 */
function writeLines(fd: number, buf: Buffer, size: number, cut: (to: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    write(fd, buf, 0, buf.length, null, (err, n) => {
      if (err) return reject(new AppendError(err, 0));
      if (n === buf.length) return resolve();
      const kept = n === 0 ? 0 : buf.lastIndexOf(10, n - 1) + 1;
      if (kept < n) cut(size + kept);
      const short: NodeJS.ErrnoException = new Error(`short write: ${n} of ${buf.length} bytes (no space)`);
      short.code = 'ENOSPC';
      reject(new AppendError(short, kept));
    });
  });
}

export class RotatingFile {
  private fd = -1;
  private size = 0;
  private openedAt = 0;
  private dirty = false;
  /** A cut-back that failed: the file must be truncated to this size before anything is added. */
  private cutTo: number | undefined;
  /** The last append in the chain; appends wait for it (see append). */
  private tail: Promise<void> = Promise.resolve();
  private readonly dir: string;
  private readonly stem: string;
  private readonly ext: string;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
  ) {
    this.dir = dirname(path);
    this.ext = extname(path) || '.ndjson';
    this.stem = basename(path, extname(path));
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Only a directory that is sshtrail's own (the default under the data dir) is tightened: a
    // configured path may live in a shared directory such as /var/log.
    if (policy.privateDir) chmodSync(this.dir, 0o700);
    this.open();
  }

  private now(): number {
    return this.policy.now ? this.policy.now() : Date.now();
  }

  private open(): void {
    this.fd = openSync(this.path, 'a', 0o600);
    const st = fstatSync(this.fd);
    // An existing file may have been created with another mode: the audit record is private.
    if (st.isFile() && (st.mode & 0o777) !== 0o600) chmodSync(this.path, 0o600);
    this.size = st.size;
    this.openedAt = st.size > 0 && st.birthtimeMs > 0 ? st.birthtimeMs : this.now();
  }

  /**
   * Appends data; rotates first when this write would pass max_bytes or the file is too old.
   * Appends run one after another, in call order: the pipeline may hand over several batches at
   * once (max_in_flight), and a rotation must never close the descriptor under a pending write
   * (a lost or misplaced batch) nor reorder the local record.
   */
  append(data: string | Buffer): Promise<void> {
    return this.serial(() => this.appendNow(data));
  }

  /** Runs `task` after every append and sync queued before it (see append). */
  private serial(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => {});
    return run;
  }

  private async appendNow(data: string | Buffer): Promise<void> {
    // Encode once: the length for rotation and the bytes to write come from the same buffer.
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const bytes = buf.length;
    // A rotation that failed half-way (disk full) left no descriptor: a new file, then.
    if (this.fd < 0) this.open();
    this.repair();
    if (
      this.size > 0 &&
      (this.size + bytes > this.policy.maxBytes || this.now() - this.openedAt >= this.policy.maxAgeMs)
    ) {
      this.rotate();
    }
    try {
      await writeLines(this.fd, buf, this.size, (to) => this.cutBack(to));
    } catch (err) {
      const kept = err instanceof AppendError ? err.keptBytes : 0;
      this.size += kept;
      if (kept > 0) {
        this.dirty = true;
        this.policy.observer?.appended(buf.subarray(0, kept));
      }
      throw err;
    }
    this.size += bytes;
    this.dirty = true;
    this.policy.observer?.appended(buf);
  }

  /**
   * Drops a partial line at the end of the file. When the truncate itself fails, the next append
   * tries again before it writes (and fails while it cannot), so nothing is ever joined to it.
   */
  private cutBack(size: number): void {
    this.cutTo = size;
    try {
      this.repair();
    } catch {
      // Left in cutTo: the next append repairs first.
    }
  }

  private repair(): void {
    if (this.cutTo === undefined) return;
    ftruncateSync(this.fd, this.cutTo);
    this.cutTo = undefined;
  }

  /** Forces written data to disk; in the append chain, so a rotation never closes it mid-sync. */
  sync(): Promise<void> {
    return this.serial(() => this.syncNow());
  }

  private async syncNow(): Promise<void> {
    if (!this.dirty || this.fd < 0) return;
    this.dirty = false;
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  rotate(): void {
    closeSync(this.fd);
    this.fd = -1;
    const stamp = new Date(this.now()).toISOString().replace(/[:]/g, '').replace('.', '_');
    // A counter keeps names unique and in order when rotations share a millisecond.
    let target = '';
    for (let i = 0; i === 0 || existsSync(target); i++) {
      target = join(this.dir, `${this.stem}-${stamp}-${String(i).padStart(3, '0')}${this.ext}`);
    }
    renameSync(this.path, target);
    this.policy.observer?.rotated(target);
    this.open();
    this.prune();
  }

  /** Rotated files, oldest first (their names sort by time). */
  rotated(): string[] {
    const prefix = `${this.stem}-`;
    return readdirSync(this.dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(this.ext))
      .sort()
      .map((f) => join(this.dir, f));
  }

  private prune(): void {
    if (this.policy.keep <= 0) return;
    const files = this.rotated();
    for (const f of files.slice(0, Math.max(0, files.length - this.policy.keep))) {
      unlinkSync(f);
      this.policy.observer?.removed(f);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
