/**
 * Keeping a recording whole on a failed write (disk full): the file is cut back to its last whole
 * line, so that what remains is a valid asciicast a player and `sshtrail play` read to its end.
 */
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';

const STEP = 64 * 1024;

/**
 * Writes all of `buf` at `pos`, or nothing: on a short write the file is cut back to `pos` and
 * the write fails with ENOSPC (a short write to a regular file means no room).
 */
export function writeWhole(fd: number, buf: Buffer, pos: number): void {
  const n = writeSync(fd, buf, 0, buf.length, pos);
  if (n === buf.length) return;
  ftruncateSync(fd, pos);
  const err: NodeJS.ErrnoException = new Error(`short write: ${n} of ${buf.length} bytes (no space)`);
  err.code = 'ENOSPC';
  throw err;
}

/** The offset just after the last newline before `end` in the file at `path` (0 when none). */
export function lastLineEnd(path: string, end: number): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(STEP);
    for (let hi = end; hi > 0; ) {
      const lo = Math.max(0, hi - STEP);
      const n = readSync(fd, buf, 0, hi - lo, lo);
      const i = buf.subarray(0, n).lastIndexOf(10);
      if (i >= 0) return lo + i + 1;
      hi = lo;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}
