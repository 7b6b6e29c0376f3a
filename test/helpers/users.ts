/**
 * Local test logins (root only): real accounts made with useradd, so that a test can log in as a
 * non-root user and see what such a user really gets. Created once per name and kept (a fresh CI
 * machine creates them on first use; a rerun finds them): removing a user while another test file
 * may still have a session as that user would race.
 *
 *   const u = ensureUser('sshtrail-t1');   // { name, uid, gid, home }
 *
 * useradd leaves the password field "!", a locked account (auth.locked_accounts decides whether a
 * key may log in): test logins get "*" instead, a key-only account that is not locked, so that
 * tests of other things do not depend on that setting.
 */
import { execFileSync } from 'node:child_process';
import { isRoot } from './privileged.js';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function lookup(name: string): TestUser | undefined {
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
  const f = line.split(':');
  return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? `/home/${name}` };
}

/** The account `name`, created (with a home directory and bash) when it does not exist. Needs root. */
export function ensureUser(name: string): TestUser {
  if (!/^sshtrail-[a-z0-9-]{1,20}$/.test(name)) throw new Error(`test logins are named sshtrail-*: ${name}`);
  if (!isRoot) throw new Error('ensureUser needs root');
  const found = lookup(name);
  if (found) {
    keyOnly(name);
    return found;
  }
  try {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', '--user-group', name], {
      stdio: 'pipe',
    });
  } catch (err) {
    // Another test file may have created it at the same moment.
    const raced = lookup(name);
    if (raced) return raced;
    throw err;
  }
  const made = lookup(name);
  if (!made) throw new Error(`useradd ${name} succeeded but getent does not find it`);
  keyOnly(name);
  return made;
}

/** The shadow password field of `name` ("" when there is no entry). */
export function shadowPassword(name: string): string {
  try {
    return execFileSync('getent', ['shadow', name], { encoding: 'utf8' }).split(':')[1] ?? '';
  } catch {
    return '';
  }
}

/** A password field of "*" (no password, not locked) unless it is already so. */
function keyOnly(name: string): void {
  if (shadowPassword(name) === '*') return;
  execFileSync('usermod', ['--password', '*', name], { stdio: 'pipe' });
}

/**
 * Runs usermod on a test login (lock, expire, change its shell), for a test that restores it
 * afterwards; test logins only.
 */
export function modifyUser(name: string, args: string[]): void {
  if (!/^sshtrail-[a-z0-9-]{1,20}$/.test(name)) throw new Error(`test logins are named sshtrail-*: ${name}`);
  execFileSync('usermod', [...args, name], { stdio: 'pipe' });
}
