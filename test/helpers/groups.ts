/**
 * Local test groups (root only), beside users.ts: a group made with groupadd and test logins added
 * to it as supplementary members. Kept once made, like the users (a rerun finds them).
 *
 *   ensureGroup('sshtrail-g-ops', ['sshtrail-pol-a']);
 */
import { execFileSync } from 'node:child_process';
import { isRoot } from './privileged.js';

function members(name: string): string[] | undefined {
  try {
    const line = execFileSync('getent', ['group', name], { encoding: 'utf8' }).trim();
    return (line.split(':')[3] ?? '').split(',').filter((m) => m !== '');
  } catch {
    return undefined;
  }
}

/** The group `name`, created when missing, with each of `logins` a member. Needs root. */
export function ensureGroup(name: string, logins: readonly string[]): void {
  if (!/^sshtrail-[a-z0-9-]{1,20}$/.test(name)) throw new Error(`test groups are named sshtrail-*: ${name}`);
  if (!isRoot) throw new Error('ensureGroup needs root');
  if (members(name) === undefined) {
    try {
      execFileSync('groupadd', [name], { stdio: 'pipe' });
    } catch (err) {
      // Another test file may have created it at the same moment.
      if (members(name) === undefined) throw err;
    }
  }
  for (const login of logins) {
    if (members(name)?.includes(login)) continue;
    execFileSync('gpasswd', ['-a', login, name], { stdio: 'pipe' });
  }
}
