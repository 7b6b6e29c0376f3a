/**
 * The names of a login's groups (primary and supplementary), for AllowGroups/DenyGroups and
 * `match` by group: sshd matches names, never numbers. Read in process from /etc/group like the
 * account itself (core/ssh/accounts.ts); only a gid the file does not name is asked of the name
 * service switch. A gid without any name is left out, as sshd's group access list leaves it out.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** gid -> name from group(5) text (the first line naming a gid wins, as getgrgid). */
export function groupNamesFromText(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !f[0] || f[0].startsWith('+') || f[0].startsWith('-') || f[2] === '') continue;
    const gid = Number(f[2]);
    if (Number.isInteger(gid) && gid >= 0 && !out.has(gid)) out.set(gid, f[0]);
  }
  return out;
}

async function fromNss(gid: number): Promise<string | undefined> {
  try {
    const r = await run('getent', ['group', String(gid)], { timeout: 5000 });
    const name = r.stdout.trim().split('\n')[0]?.split(':')[0];
    return name || undefined;
  } catch {
    return undefined;
  }
}

/** The names of `gids`, in their order. */
export async function groupNames(gids: readonly number[], groupFile = '/etc/group'): Promise<string[]> {
  let text = '';
  try {
    text = await readFile(groupFile, 'utf8');
  } catch {}
  const known = groupNamesFromText(text);
  const out: string[] = [];
  for (const gid of gids) {
    const name = known.get(gid) ?? (await fromNss(gid));
    if (name !== undefined && !out.includes(name)) out.push(name);
  }
  return out;
}
