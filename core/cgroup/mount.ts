/**
 * Where the cgroup v2 hierarchy is mounted, read from /proc/self/mountinfo rather than assumed:
 * /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on hybrid ones. A host with cgroup v1
 * only gets a private cgroup2 mount for sshtrail (the v2 hierarchy exists on every kernel that
 * has cgroups; it is merely not mounted there), so sessions still get their own cgroup.
 */
import { mkdirSync } from 'node:fs';
import { SshtrailError } from '../errors.js';
import { mountFailure, parseMountinfo, readMounts } from '../host/mountinfo.js';
import type { Logger } from '../log.js';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, sysAddon } from '../sys/index.js';

/** Where sshtrail mounts its own cgroup2 when the host has none mounted. */
export const PRIVATE_CGROUP2_MOUNT = '/run/sshtrail/cgroup2';

/** The first cgroup2 mount point in a mountinfo text, or undefined. */
export function parseCgroup2Mount(mountinfo: string): string | undefined {
  return parseMountinfo(mountinfo).find((m) => m.fstype === 'cgroup2')?.mountPoint;
}

/** The cgroup v2 mount of this process's mount namespace, or undefined when there is none. */
export function findCgroup2Mount(mountinfoPath = '/proc/self/mountinfo'): string | undefined {
  return readMounts(mountinfoPath).find((m) => m.fstype === 'cgroup2')?.mountPoint;
}

/**
 * The cgroup v2 mount to use: the host's, or one mounted now at PRIVATE_CGROUP2_MOUNT (logged).
 * Throws SSHTRAIL_E_ENHANCED_UNAVAILABLE naming the cause and the fix when it cannot be mounted.
 */
export function ensureCgroup2Mount(logger?: Logger): string {
  const found = findCgroup2Mount();
  if (found) return found;
  try {
    mkdirSync(PRIVATE_CGROUP2_MOUNT, { recursive: true, mode: 0o755 });
    sysAddon().mount('cgroup2', PRIVATE_CGROUP2_MOUNT, 'cgroup2', MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
  } catch (err) {
    throw new SshtrailError(
      'SSHTRAIL_E_ENHANCED_UNAVAILABLE',
      `no cgroup v2 hierarchy is mounted and sshtrail cannot mount one at ${PRIVATE_CGROUP2_MOUNT}: ${mountFailure(err)}; fix: mount it (mount -t cgroup2 none /sys/fs/cgroup/unified) or boot with systemd.unified_cgroup_hierarchy=1`,
      { cause: err },
    );
  }
  logger?.info('mounted a private cgroup v2 hierarchy (the host has cgroup v1 only)', {
    mount: PRIVATE_CGROUP2_MOUNT,
  });
  return PRIVATE_CGROUP2_MOUNT;
}
