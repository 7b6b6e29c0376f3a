/**
 * The launcher command line (build/sshtrail-launch, core/launch/launcher.c): join the session's
 * cgroup, set the audit loginuid and report the audit session id, write the utmp records, take
 * the login's uid, gid and supplementary groups (all as root), set the PTY's terminal modes,
 * change to the home directory, exec.
 */
import { join } from 'node:path';
import { buildDir } from '../paths.js';
import type { Account } from '../ssh/accounts.js';
import { encodeTerminalModes, type TerminalMode } from '../ssh/terminal-modes.js';

let launcher: string | undefined;
export function launcherPath(): string {
  launcher ??= join(buildDir(), 'sshtrail-launch');
  return launcher;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export interface LaunchSpec {
  account: Account;
  cgroupDir?: string;
  argv0: string;
  /** Set SSH_TTY to the PTY's path (PTY sessions). */
  ttyEnv?: boolean;
  /** The client's terminal modes, applied to the PTY before exec (PTY sessions). */
  ttyModes?: readonly TerminalMode[];
  /** The report channel's child end (launch-report.ts); with it, as root, the loginuid is set. */
  reportFd?: number;
  /** The client's address for the utmp, wtmp and lastlog records (PTY sessions, as root). */
  utmpHost?: string;
  program: string;
  args: string[];
}

export function launcherArgs(s: LaunchSpec): string[] {
  const a: string[] = [];
  if (s.cgroupDir) a.push('--cgroup', s.cgroupDir);
  if (isRoot) {
    a.push('--uid', String(s.account.uid), '--gid', String(s.account.gid));
    a.push('--groups', s.account.groups.join(','));
    if (s.reportFd !== undefined) a.push('--loginuid', String(s.account.uid));
    if (s.utmpHost !== undefined) a.push('--utmp-user', s.account.login, '--utmp-host', s.utmpHost);
  }
  if (s.reportFd !== undefined) a.push('--report-fd', String(s.reportFd));
  if (s.ttyEnv) a.push('--tty-env', 'SSH_TTY');
  if (s.ttyModes?.length) a.push('--tty-modes', encodeTerminalModes(s.ttyModes));
  a.push('--cwd', s.account.home, '--argv0', s.argv0, '--', s.program, ...s.args);
  return a;
}

/** The launcher's arguments to write the logout of a PTY session's utmp login. */
export function utmpLogoutArgs(tty: string, pid: number): string[] {
  return ['--utmp-logout', tty.replace(/^\/dev\//, ''), String(pid)];
}
