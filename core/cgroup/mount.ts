/**
 * Where the cgroup v2 hierarchy is mounted. Read from /proc/self/mountinfo rather than assumed:
 * /sys/fs/cgroup on unified systems, /sys/fs/cgroup/unified on hybrid ones (like this machine).
 */
import { readFileSync } from 'node:fs';

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * The first cgroup2 mount point in a mountinfo text, or undefined. A line reads
 * `id parent maj:min root mountpoint options [optional...] - fstype source superoptions`.
 */
export function parseCgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0 || fields[dash + 1] !== 'cgroup2') continue;
    const mountPoint = fields[4];
    if (mountPoint) return unescapeOctal(mountPoint);
  }
  return undefined;
}

/** The cgroup v2 mount of this process's mount namespace, or undefined when there is none. */
export function findCgroup2Mount(mountinfoPath = '/proc/self/mountinfo'): string | undefined {
  try {
    return parseCgroup2Mount(readFileSync(mountinfoPath, 'utf8'));
  } catch {
    return undefined;
  }
}
