/**
 * sshd's StrictModes for an authorized keys file: refuse a file anyone but its user could have
 * written to. As OpenSSH's auth_secure_path(): the file must be a regular file owned by the
 * login's uid or root and writable by neither group nor others; then every directory of its
 * canonical path, walking upwards, must pass the same ownership and mode test, up to and
 * including the login's home when the file is below it, otherwise up to /. World-writable
 * directories are refused even when sticky (/tmp), as sshd refuses them.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

const writableByOthers = 0o022;

function badOwnerOrMode(st: Stats, uid: number): boolean {
  return (st.uid !== 0 && st.uid !== uid) || (st.mode & writableByOthers) !== 0;
}

/**
 * Why `path` (whose own stat, taken from its open descriptor, is `st`) may not be trusted for
 * the login `uid` with home `home`, or undefined when it may.
 */
export async function insecureKeysPath(
  path: string,
  st: Stats,
  uid: number,
  home: string,
): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    return `realpath ${path} failed: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  const realHome = await realpath(home).catch(() => undefined);
  if (!st.isFile()) return `${real} is not a regular file`;
  if (badOwnerOrMode(st, uid)) return `bad ownership or modes for file ${real}`;
  for (let dir = dirname(real); ; dir = dirname(dir)) {
    const d = await stat(dir).catch(() => undefined);
    if (!d || badOwnerOrMode(d, uid)) return `bad ownership or modes for directory ${dir}`;
    if (dir === realHome || dir === '/') return undefined;
  }
}
