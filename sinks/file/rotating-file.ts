/**
 * An append-only file that rotates by size and age and syncs on a policy. Writes are one
 * `write(2)` per batch on an O_APPEND descriptor opened 0600 in a 0700 directory.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
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
}

export class RotatingFile {
  private fd = -1;
  private size = 0;
  private openedAt = 0;
  private dirty = false;
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
    if (
      this.size > 0 &&
      (this.size + bytes > this.policy.maxBytes || this.now() - this.openedAt >= this.policy.maxAgeMs)
    ) {
      this.rotate();
    }
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => {
      write(fd, buf, 0, bytes, null, (err, written) => {
        if (err) reject(err);
        else if (written !== bytes) reject(new Error(`short write: ${written} of ${bytes} bytes`));
        else resolve();
      });
    });
    this.size += bytes;
    this.dirty = true;
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
    for (const f of files.slice(0, Math.max(0, files.length - this.policy.keep))) unlinkSync(f);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
