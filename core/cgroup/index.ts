/**
 * One cgroup v2 directory per session: <mount>/<root>/<session id>. Every process a session
 * starts inherits it, whatever it forks or daemonizes, so the cgroup's id (its directory inode,
 * the value bpf_get_current_cgroup_id() returns) ties kernel events to the session, and killing
 * the cgroup ends everything the session left behind. No controllers are enabled: the cgroup is
 * used for membership only.
 *
 * Each server gets its own root (instance.ts: <configured root>/<data dir name>-<hash>), and one
 * server runs per data dir (core/data-dir/lock.ts): whatever is under the root at start-up is
 * what this instance's previous run left (kill -9, a crash), so all of it is killed and removed,
 * however recent; another instance's subtree is never looked at.
 */
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshtrailError } from '../errors.js';
import type { Logger } from '../log.js';
import { isPopulated } from './empty.js';
import { findCgroup2Mount } from './mount.js';

export { type EmptyWait, isPopulated, waitUntilEmpty } from './empty.js';
export { type CgroupProcess, cgroupProcesses } from './members.js';
export { findCgroup2Mount, parseCgroup2Mount } from './mount.js';

export interface CgroupOptions {
  /** Path under the cgroup v2 mount, e.g. "sshtrail" or "system.slice/sshtrail"; nested is fine. */
  root: string;
  /** The cgroup v2 mount point; detected from /proc/self/mountinfo when absent. */
  mount?: string;
  logger?: Logger;
  /**
   * Session cgroups (names under the root) that the start-up clean-up leaves alone: sessions a
   * previous run left lingering (session.on_end keep), which crash recovery takes back or ends.
   */
  keep?: readonly string[];
}

export interface SessionCgroup {
  dir: string;
  /** The directory's inode number: the kernel's cgroup id. */
  id: bigint;
}

/** How long kill/remove keep trying before giving up with an error (processes may be exiting). */
const SETTLE_MS = 5000;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export class CgroupManager {
  private constructor(
    readonly mount: string,
    readonly rootDir: string,
    private readonly logger?: Logger,
  ) {}

  /** The first directory of the root that open() created (the root itself when it existed). */
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
    // The root is this instance's own: it goes at the end even when a crashed run made it.
    mgr.created = (await mkdirRoot(mgr.rootDir)) ?? mgr.rootDir;
    const left = await mgr.cleanupLeftovers(new Set(opts.keep ?? []));
    if (left > 0) opts.logger?.warn('removed session cgroups left by a previous server', { count: left });
    return mgr;
  }

  /** Creates the session's cgroup; fails if it already exists (a session id is never reused). */
  async create(name: string): Promise<SessionCgroup> {
    if (!NAME_RE.test(name)) throw new SshtrailError('SSHTRAIL_E_INTERNAL', `unsafe cgroup name: ${name}`);
    const dir = join(this.rootDir, name);
    try {
      await mkdir(dir);
    } catch (err) {
      // Another instance stopping removed the shared parent between our mkdirs: make it again.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdirRoot(this.rootDir);
      await mkdir(dir);
    }
    const st = await stat(dir, { bigint: true });
    return { dir, id: st.ino };
  }

  /** A session cgroup that exists under this root (a previous run's, taken back). */
  async find(dir: string): Promise<SessionCgroup> {
    if (dirname(dir) !== this.rootDir || !NAME_RE.test(basename(dir)))
      throw new SshtrailError('SSHTRAIL_E_INTERNAL', `not a session cgroup of this instance: ${dir}`);
    const st = await stat(dir, { bigint: true });
    return { dir, id: st.ino };
  }

  /** Kills every process in the cgroup (and its descendants) and removes it, children first. */
  async destroy(dir: string): Promise<void> {
    await killAll(dir);
    await removeTree(dir);
  }

  /** Kills and removes every cgroup under the root (this instance's previous run) but `keep`; returns how many. */
  async cleanupLeftovers(keep: ReadonlySet<string> = new Set()): Promise<number> {
    let removed = 0;
    for (const child of await subdirs(this.rootDir)) {
      if (keep.has(child)) continue;
      const dir = join(this.rootDir, child);
      try {
        await this.destroy(dir);
        removed++;
      } catch (err) {
        this.logger?.error('cannot remove a leftover session cgroup', { dir, error: String(err) });
      }
    }
    return removed;
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

/**
 * mkdir -p of the root, again when a parent shared with another instance vanished midway (that
 * one stopping removed it while empty); returns the first directory created, as mkdir does.
 */
async function mkdirRoot(dir: string): Promise<string | undefined> {
  for (let tries = 0; ; tries++) {
    try {
      return await mkdir(dir, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || tries >= 5) throw err;
    }
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
  while (await isPopulated(dir)) {
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
export async function removeTree(dir: string): Promise<void> {
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
