/**
 * One cgroup v2 directory per session: <mount>/<root>/<session id>. Every process a session
 * starts inherits it, whatever it forks or daemonizes, so the cgroup's id (its directory inode,
 * the value bpf_get_current_cgroup_id() returns) ties kernel events to the session, and killing
 * the cgroup ends everything the session left behind. No controllers are enabled: the cgroup is
 * used for membership only.
 *
 * One server per cgroup root is the intended set-up: at start-up, what a crashed server left
 * under the root is killed and removed (sessions of a running process are spared, see
 * cleanupLeftovers).
 */
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshtrailError } from '../errors.js';
import type { Logger } from '../log.js';
import { findCgroup2Mount } from './mount.js';

export { findCgroup2Mount, parseCgroup2Mount } from './mount.js';

export interface CgroupOptions {
  /** Path under the cgroup v2 mount, e.g. "sshtrail" or "system.slice/sshtrail"; nested is fine. */
  root: string;
  /** The cgroup v2 mount point; detected from /proc/self/mountinfo when absent. */
  mount?: string;
  logger?: Logger;
}

export interface SessionCgroup {
  dir: string;
  /** The directory's inode number: the kernel's cgroup id. */
  id: bigint;
}

/** How long kill/remove keep trying before giving up with an error (processes may be exiting). */
const SETTLE_MS = 5000;
/** An empty session cgroup younger than this may be one a running server is setting up. */
const FRESH_MS = 60_000;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export class CgroupManager {
  private constructor(
    readonly mount: string,
    readonly rootDir: string,
    private readonly logger?: Logger,
  ) {}

  /** The first directory of the root that open() created (undefined when the root existed). */
  private created: string | undefined;

  /** Finds the mount, creates the root (recursively) and cleans up what a crashed server left. */
  static async open(opts: CgroupOptions): Promise<CgroupManager> {
    const mount = opts.mount ?? findCgroup2Mount();
    if (!mount)
      throw new SshtrailError('SSHTRAIL_E_ENHANCED_UNAVAILABLE', 'no cgroup v2 hierarchy is mounted');
    if (!(await exists(join(mount, 'cgroup.controllers')))) {
      throw new SshtrailError('SSHTRAIL_E_ENHANCED_UNAVAILABLE', `${mount} is not a cgroup v2 mount`);
    }
    const parts = opts.root.split('/').filter((p) => p !== '');
    if (parts.length === 0 || parts.some((p) => p === '..' || p === '.')) {
      throw new SshtrailError('SSHTRAIL_E_CONFIG', `invalid cgroup root: ${JSON.stringify(opts.root)}`);
    }
    const mgr = new CgroupManager(mount, join(mount, ...parts), opts.logger);
    mgr.created = await mkdir(mgr.rootDir, { recursive: true });
    const left = await mgr.cleanupLeftovers();
    if (left > 0) opts.logger?.warn('removed session cgroups left by a previous server', { count: left });
    return mgr;
  }

  /** Creates the session's cgroup; fails if it already exists (a session id is never reused). */
  async create(name: string): Promise<SessionCgroup> {
    if (!NAME_RE.test(name)) throw new SshtrailError('SSHTRAIL_E_INTERNAL', `unsafe cgroup name: ${name}`);
    const dir = join(this.rootDir, name);
    await mkdir(dir);
    const st = await stat(dir, { bigint: true });
    return { dir, id: st.ino };
  }

  /** Kills every process in the cgroup (and its descendants) and removes it, children first. */
  async destroy(dir: string): Promise<void> {
    await killAll(dir);
    await removeTree(dir);
  }

  /**
   * Kills and removes the cgroups under the root that a crashed server left; returns how many.
   * Two kinds are spared, in case another server shares the root by mistake: a cgroup whose
   * processes still have a live parent outside it (a running server's session: a crashed
   * server's children were re-parented to init), and an empty one created in the last minute (a
   * session being set up).
   */
  async cleanupLeftovers(): Promise<number> {
    let removed = 0;
    for (const child of await subdirs(this.rootDir)) {
      const dir = join(this.rootDir, child);
      try {
        if (await this.inUse(dir)) {
          this.logger?.warn('a session cgroup under the root belongs to a running process; left alone', {
            dir,
          });
          continue;
        }
        await this.destroy(dir);
        removed++;
      } catch (err) {
        this.logger?.error('cannot remove a leftover session cgroup', { dir, error: String(err) });
      }
    }
    return removed;
  }

  private async inUse(dir: string): Promise<boolean> {
    const members = await allPids(dir);
    if (members.length === 0) return Date.now() - (await stat(dir)).mtimeMs < FRESH_MS;
    const inside = new Set(members);
    for (const pid of members) {
      const ppid = await parentOf(pid);
      if (ppid !== undefined && ppid > 1 && !inside.has(ppid) && (await parentOf(ppid)) !== undefined)
        return true;
    }
    return false;
  }

  /** Removes the root, and the parents open() created for it, while they are empty. */
  async removeRootIfEmpty(): Promise<void> {
    if (!this.created) return;
    let dir = this.rootDir;
    for (;;) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (another server's or session's): leave it
      }
      if (dir === this.created) return;
      dir = dirname(dir);
    }
  }
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Every pid in the cgroup and its descendants. */
async function allPids(dir: string): Promise<number[]> {
  const out = await pids(dir);
  for (const child of await subdirs(dir)) out.push(...(await allPids(join(dir, child))));
  return out;
}

/** The parent pid of a live process, or undefined when it is gone. */
async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; ppid follows the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function populated(dir: string): Promise<boolean> {
  try {
    return /^populated 1$/m.test(await readFile(join(dir, 'cgroup.events'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function pids(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8');
  return text.split('\n').filter(Boolean).map(Number);
}

/**
 * cgroup.kill (Linux 5.14+) kills the whole subtree atomically, forks in flight included. On
 * older kernels, SIGKILL every member until none is left (a fork racing the loop is caught by the
 * next round).
 */
export async function killAll(dir: string): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  let hasKill = true;
  try {
    await writeFile(join(dir, 'cgroup.kill'), '1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await exists(dir))) return;
    hasKill = false;
  }
  while (await populated(dir)) {
    if (!hasKill) await signalTree(dir);
    if (Date.now() > deadline) throw new Error(`processes in ${dir} survived SIGKILL`);
    await sleep(5);
  }
}

async function signalTree(dir: string): Promise<void> {
  for (const pid of await pids(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const child of await subdirs(dir)) await signalTree(join(dir, child));
}

/** rmdir children first; EBUSY while the last processes are being reaped, so retry. */
async function removeTree(dir: string): Promise<void> {
  if (!(await exists(dir))) return;
  for (const child of await subdirs(dir)) await removeTree(join(dir, child));
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw err;
      await sleep(5);
    }
  }
}

async function exists(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return true;
  } catch {
    return false;
  }
}
