/**
 * A small tmpfs for disk-full tests (root only): mounted on a fresh directory, filled to the last
 * byte by a filler file, freed by removing it, unmounted when the test is done.
 *
 *   const fs = mountTmpfs(256 * 1024);
 *   try { fs.fill(); ...; fs.free(); } finally { fs.unmount(); }
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Writes a filler file until the filesystem is full; leaves `leave` bytes free (whole pages). */
  fill(leave?: number): void;
  /** Removes the filler. */
  free(): void;
  unmount(): void;
}

export function mountTmpfs(bytes: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir]);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill(leave = 0) {
      const fd = openSync(filler, 'a');
      const page = Buffer.alloc(4096, 0x78);
      try {
        for (;;) writeSync(fd, page);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      if (leave > 0) {
        // Give back whole pages from the filler's end: exactly that much space is free.
        const size = Number(execFileSync('stat', ['-c', '%s', filler], { encoding: 'utf8' }).trim());
        execFileSync('truncate', ['-s', String(Math.max(0, size - Math.ceil(leave / 4096) * 4096)), filler]);
      }
    },
    free() {
      try {
        unlinkSync(filler);
      } catch {}
    },
    unmount() {
      try {
        execFileSync('umount', [dir]);
      } catch {
        execFileSync('umount', ['-l', dir]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
