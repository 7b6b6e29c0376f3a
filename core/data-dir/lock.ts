/**
 * One server per data dir: <data dir>/sshtrail.pid names the server that runs on it (pid and
 * /proc start time, which tell a reused pid). A second server on the same data dir is refused;
 * a file left by a server that is gone (kill -9, a crash) is taken over. Holding it is what makes
 * everything under this instance's cgroup subtree and in <data dir>/sessions/ the previous run's
 * leftovers, to be killed and closed at start however soon the restart comes.
 *
 * The file is made complete under a temporary name and hard-linked into place: link(2) fails
 * when the name exists, so two servers starting at once cannot both win.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SshtrailError } from '../errors.js';
import { processStartTime } from '../sys/proc-stat.js';

export interface InstanceLock {
  readonly file: string;
  /** The server that held the file before, when it was left by one that is gone. */
  readonly previous: number | undefined;
  /** Removes the file (clean stop). */
  release(): void;
}

export function lockFile(dataDir: string): string {
  return join(dataDir, 'sshtrail.pid');
}

function holder(text: string): { pid: number; start: string } | undefined {
  const m = /^(\d+) (\d+)\n?$/.exec(text);
  return m ? { pid: Number(m[1]), start: m[2] as string } : undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function acquireInstanceLock(dataDir: string): InstanceLock {
  const file = lockFile(dataDir);
  const mine = `${process.pid} ${processStartTime(process.pid) ?? '0'}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, mine, { mode: 0o600 });
  let previous: number | undefined;
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 3) throw err;
      }
      const text = read(file);
      if (text === undefined) continue;
      const h = holder(text);
      if (h && h.pid !== process.pid && processStartTime(h.pid) === h.start) {
        throw new SshtrailError(
          'SSHTRAIL_E_DATA_DIR',
          `another sshtrail server (pid ${h.pid}) runs on the data dir ${dataDir}; stop it, or give this one its own --data-dir`,
        );
      }
      // Left by a server that is gone: take it over (only if it still holds what was read).
      if (read(file) === text) rmSync(file, { force: true });
      previous = h?.pid;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return {
    file,
    previous,
    release: () => {
      if (read(file) === mine) rmSync(file, { force: true });
    },
  };
}
