/**
 * The subsystems a session can start, settled once at server start: today `sftp`, which runs
 * OpenSSH's own sftp-server (the server process never touches a login's files itself). A missing
 * or unusable sftp-server is said once at start, and each refused request is logged again.
 */
import { statSync } from 'node:fs';
import type { ServerConfig } from '../config/types.js';
import type { Logger } from '../log.js';

export interface Subsystems {
  /** The sftp-server program to run, or undefined when sftp is refused. */
  sftp?: string;
  /** Why sftp is refused (for the per-request log line). */
  sftpRefused?: string;
}

/** `wanted`: sftp.enabled, or a match block turns sftp on for some logins. */
export function detectSubsystems(
  config: ServerConfig['sftp'],
  log: Logger,
  wanted = config.enabled,
): Subsystems {
  if (!wanted) return { sftpRefused: 'sftp.enabled is false' };
  const path = config.server;
  let why: string | undefined;
  try {
    const st = statSync(path);
    if (!st.isFile()) why = 'not a regular file';
    // Run as the login, so anyone must be able to execute it (0755 as Debian installs it).
    else if ((st.mode & 0o001) === 0) why = 'not executable by others (mode must allow o+x)';
  } catch (err) {
    why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : String(err);
  }
  if (why === undefined) return { sftp: path };
  const refused = `sftp-server ${path}: ${why}`;
  log.warn(
    `sftp subsystem off: ${refused}; sftp and scp will be refused (install openssh-sftp-server or set sftp.server)`,
  );
  return { sftpRefused: refused };
}
