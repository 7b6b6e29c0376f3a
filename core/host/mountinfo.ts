/**
 * This process's mount table, from /proc/self/mountinfo, and why a mount sshtrail makes may be
 * refused. A mountinfo line reads
 * `id parent maj:min root mountpoint options [optional...] - fstype source superoptions`.
 */
import { readFileSync } from 'node:fs';

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  /** Per-mount options (ro/rw, nosuid, ...). */
  options: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    const mountPoint = fields[4];
    const fstype = fields[dash + 1];
    if (dash < 0 || !mountPoint || !fstype) continue;
    out.push({
      mountPoint: unescapeOctal(mountPoint),
      fstype,
      source: unescapeOctal(fields[dash + 2] ?? ''),
      options: (fields[5] ?? '').split(','),
    });
  }
  return out;
}

export function readMounts(path = '/proc/self/mountinfo'): MountEntry[] {
  try {
    return parseMountinfo(readFileSync(path, 'utf8'));
  } catch {
    return [];
  }
}

/** The entry mounted at `dir` (the last one wins, as the kernel shows the top of a stack). */
export function mountAt(mounts: readonly MountEntry[], dir: string): MountEntry | undefined {
  let found: MountEntry | undefined;
  for (const m of mounts) if (m.mountPoint === dir) found = m;
  return found;
}

/** Why the kernel may refuse a mount: the lockdown mode when it is not "none". */
export function lockdownMode(path = '/sys/kernel/security/lockdown'): string | undefined {
  try {
    const m = /\[(\w+)\]/.exec(readFileSync(path, 'utf8'));
    return m?.[1] && m[1] !== 'none' ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

/** Says why a mount(2) failed in an operator's terms. Shared by every mount sshtrail makes. */
export function mountFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const lockdown = lockdownMode();
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return lockdown
        ? `the kernel is in lockdown mode "${lockdown}", which refuses it`
        : 'not permitted (it needs root with CAP_SYS_ADMIN in the host; in a container, mount it on the host and bind it in)';
    case 'EROFS':
      return '/sys is read-only here (a container?); mount it on the host and bind it in';
    case 'ENODEV':
      return 'this kernel does not support that file system';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'the mount point does not exist';
    default:
      return (err as Error).message;
  }
}
