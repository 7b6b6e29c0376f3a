/**
 * The logout record of a PTY session's utmp login (written by the launcher before the login's
 * program ran: core/launch/utmp.c). Run through the launcher, as root, when the session ends, and
 * for a session a crashed server left open at the next start: `who` and `w` stop listing it and
 * `last` shows when it ended. The launcher writes nothing when utmp already shows another login on
 * that terminal (the PTY number was reused).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '../log.js';
import { launcherPath, utmpLogoutArgs } from './launch.js';

const run = promisify(execFile);

export async function writeUtmpLogout(tty: string, pid: number, log: Logger): Promise<void> {
  try {
    await run(launcherPath(), utmpLogoutArgs(tty, pid), { timeout: 10_000 });
  } catch (err) {
    // Exit 1: no such login in utmp (no /run/utmp on this host, or it was cleared): nothing to end.
    const code = (err as { code?: unknown }).code;
    if (code !== 1) log.warn('cannot write the utmp logout', { tty, pid, err: String(err) });
  }
}
