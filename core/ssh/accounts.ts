/**
 * Login accounts as the system resolves them (getent: /etc/passwd, LDAP, sss...): uid, gid,
 * supplementary groups, home and shell.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Account {
  login: string;
  uid: number;
  gid: number;
  /** Supplementary group ids (the primary gid included, as initgroups() would). */
  groups: number[];
  home: string;
  shell: string;
}

const validLogin = /^[a-z_][a-z0-9_.-]*\$?$/i;

/** Resolves a login, or undefined when there is no such account. Never throws for a bad name. */
export async function lookupAccount(login: string): Promise<Account | undefined> {
  if (!validLogin.test(login) || login.length > 64) return undefined;
  try {
    const [pw, ids] = await Promise.all([
      run('getent', ['passwd', login], { timeout: 5000 }),
      run('id', ['-G', login], { timeout: 5000 }),
    ]);
    const f = pw.stdout.trim().split('\n')[0]?.split(':') ?? [];
    if (f.length < 7 || f[0] !== login) return undefined;
    const groups = ids.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
    return {
      login,
      uid: Number(f[2]),
      gid: Number(f[3]),
      groups: groups.filter((g) => Number.isInteger(g)),
      home: f[5] || '/',
      shell: f[6] || '/bin/sh',
    };
  } catch {
    return undefined;
  }
}
