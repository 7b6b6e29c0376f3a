/**
 * A small tmpfs for disk-full tests (root only): mounted on a fresh directory (or on `at`, e.g. a
 * server's data dir before it starts), filled to the last byte by a filler file, freed by
 * removing it, unmounted when the test is done.
 *
 *   const fs = mountTmpfs(256 * 1024);
 *   try { fs.fill(); ...; fs.free(); } finally { fs.unmount(); }
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
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

/**
 * `at`: mount there (created with the mode if missing; left in place at unmount) instead of on a
 * fresh temp directory; `mode`: the tmpfs root's mode (0755 by default).
 */
export function mountTmpfs(bytes: number, opts: { at?: string; mode?: number } = {}): Tmpfs {
  const mode = opts.mode ?? 0o755;
  const dir = opts.at ?? mkdtempSync(join(tmpdir(), 'sshtrail-tmpfs-'));
  if (opts.at) mkdirSync(dir, { recursive: true, mode });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0${mode.toString(8)}`, 'tmpfs', dir]);
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
      if (!opts.at) rmSync(dir, { recursive: true, force: true });
    },
  };
}
