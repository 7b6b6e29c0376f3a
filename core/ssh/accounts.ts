/**
 * Login accounts (uid, gid, supplementary groups, home and shell), resolved in process: /etc/passwd
 * and /etc/group are read and parsed here, so a login costs no child process (a client may ask
 * "would this key do?" many times per connection; issue 10 measured ~7 ms of CPU per getent + id
 * pair). Only a name the files do not know is asked of the name service switch (LDAP, sss...)
 * through `getent`, once per call: callers resolve a login once per connection (auth.ts).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Account {
  login: string;
  uid: number;
  gid: number;
  /** Supplementary group ids (the primary gid included, first, as initgroups() would). */
  groups: number[];
  home: string;
  shell: string;
}

/** Where the account files are; tests of the parser pass their own. */
export interface AccountFiles {
  passwd: string;
  group: string;
}

const systemFiles: AccountFiles = { passwd: '/etc/passwd', group: '/etc/group' };

const validLogin = /^[a-z_][a-z0-9_.-]*\$?$/i;

/** Whether `login` can name an account at all (what useradd accepts, at most 64 characters). */
export function isValidLogin(login: string): boolean {
  return login.length <= 64 && validLogin.test(login);
}

/** The passwd(5) line for `login` in `text`, split into its 7 fields, or undefined. */
function passwdEntry(text: string, login: string): string[] | undefined {
  for (const line of text.split('\n')) {
    // A valid login never starts with + or -, so NIS compat lines (+name, -name) never match.
    if (!line.startsWith(`${login}:`)) continue;
    const f = line.split(':');
    if (f.length >= 7 && f[0] === login) return f;
  }
  return undefined;
}

function toAccount(login: string, f: string[], supplementary: number[]): Account | undefined {
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || uid < 0 || !Number.isInteger(gid) || gid < 0 || f[2] === '' || f[3] === '')
    return undefined;
  const groups = [gid, ...supplementary.filter((g) => Number.isInteger(g) && g >= 0 && g !== gid)];
  return {
    login,
    uid,
    gid,
    groups: [...new Set(groups)],
    home: f[5] || '/',
    shell: f[6] || '/bin/sh',
  };
}

/** The gids of every group(5) line listing `login` as a member. */
export function memberGroups(groupText: string, login: string): number[] {
  const out: number[] = [];
  for (const line of groupText.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || f[0]?.startsWith('+') || f[0]?.startsWith('-')) continue;
    const members = (f[3] ?? '').trim().split(',');
    if (members.includes(login)) out.push(Number(f[2]));
  }
  return out;
}

/** The account as the files describe it; undefined when `login` has no passwd line there. */
export function accountFromFiles(passwdText: string, groupText: string, login: string): Account | undefined {
  const f = passwdEntry(passwdText, login);
  return f ? toAccount(login, f, memberGroups(groupText, login)) : undefined;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** The name service switch's answer (LDAP, sss, systemd...), for names the files lack. */
async function accountFromNss(login: string): Promise<Account | undefined> {
  try {
    const pw = await run('getent', ['passwd', login], { timeout: 5000 });
    const f = pw.stdout.trim().split('\n')[0]?.split(':') ?? [];
    if (f.length < 7 || f[0] !== login) return undefined;
    // `getent initgroups` asks the same sources initgroups(3) would: "login gid gid...".
    let groups: number[] = [];
    try {
      const g = await run('getent', ['initgroups', login], { timeout: 5000 });
      groups = g.stdout.trim().split(/\s+/).slice(1).map(Number);
    } catch {}
    return toAccount(login, f, groups);
  } catch {
    return undefined;
  }
}

/** Resolves a login, or undefined when there is no such account. Never throws for a bad name. */
export async function lookupAccount(
  login: string,
  files: AccountFiles = systemFiles,
): Promise<Account | undefined> {
  if (!isValidLogin(login)) return undefined;
  const [passwdText, groupText] = await Promise.all([readText(files.passwd), readText(files.group)]);
  if (passwdEntry(passwdText, login)) return accountFromFiles(passwdText, groupText, login);
  return accountFromNss(login);
}
