/**
 * sshd's PidFile: the server's pid, written once it listens and removed when it stops. Written
 * without following a symlink planted at the path, mode 0644 whatever the umask; removed only
 * while it still names this process (a second server may have taken the path over since).
 */
import { closeSync, constants, fchmodSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export function writePidFile(path: string, pid = process.pid): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    fchmodSync(fd, 0o644);
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
}

export function removePidFile(path: string, pid = process.pid): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  if (text.trim() === String(pid)) unlinkSync(path);
}
