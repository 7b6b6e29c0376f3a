/**
 * Whether an account may log in at all, as OpenSSH's sshd decides it without PAM (auth.c,
 * allowed_user(); platform.c, platform_locked_account(); auth-shadow.c,
 * auth_shadow_acctexpired()), checked before any key is looked at:
 * - expired: shadow(5) field 8 (days since the epoch) is set and today is past it;
 * - locked: the shadow password (the passwd one when there is no shadow entry) starts with "!",
 *   Linux's LOCKED_PASSWD_PREFIX ("*" alone is not a lock: it is the usual key-only account);
 * - the shell (an empty field is /bin/sh) does not exist, is not a regular file or has no execute
 *   bit. /usr/sbin/nologin passes: it runs and prints its message, as under sshd.
 * docs/design.md, "Accounts sshd would refuse".
 */

import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { FailureReason } from '../events/event.js';
import type { Account } from './accounts.js';

const run = promisify(execFile);

export type AccountRefusal = Extract<FailureReason, 'account_expired' | 'account_locked' | 'invalid_shell'>;

export interface Refused {
  reason: AccountRefusal;
  detail: string;
}

export interface StatusFiles {
  passwd: string;
  shadow: string;
}

const systemFiles: StatusFiles = { passwd: '/etc/passwd', shadow: '/etc/shadow' };

const DAY_MS = 86_400_000;

/** The fields of `login`'s line in a passwd(5) or shadow(5) text, or undefined. */
function entry(text: string, login: string): string[] | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${login}:`)) continue;
    return line.split(':');
  }
  return undefined;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The shadow entry from the name service switch (an LDAP or sss account the files lack). */
async function nssShadow(login: string): Promise<string[] | undefined> {
  try {
    const r = await run('getent', ['shadow', login], { timeout: 5000 });
    const f = r.stdout.split('\n')[0]?.split(':');
    return f && f[0] === login ? f : undefined;
  } catch {
    return undefined;
  }
}

/** Expiry and lock from a shadow entry (or the passwd password when there is none). */
export function passwordRefusal(
  shadow: string[] | undefined,
  passwdField: string | undefined,
  now: number,
): Refused | undefined {
  const expire = shadow?.[7] ?? '';
  // getspnam() reads an empty field as -1 (never); anything else is a day number, 0 included.
  if (expire !== '' && /^-?\d+$/.test(expire) && Number(expire) !== -1) {
    const today = Math.floor(now / DAY_MS);
    if (Number(expire) - today < 0)
      return { reason: 'account_expired', detail: `the account expired on day ${expire} (shadow field 8)` };
  }
  const password = shadow ? (shadow[1] ?? '') : (passwdField ?? '');
  if (password.startsWith('!'))
    return { reason: 'account_locked', detail: 'the account is locked (its password starts with "!")' };
  return undefined;
}

/** Whether the login's shell can be run, as sshd checks it (stat, regular file, an x bit). */
export async function shellRefusal(shell: string): Promise<Refused | undefined> {
  try {
    const s = await stat(shell);
    if (!s.isFile() || (s.mode & 0o111) === 0)
      return { reason: 'invalid_shell', detail: `the shell ${shell} is not executable` };
    return undefined;
  } catch {
    return { reason: 'invalid_shell', detail: `the shell ${shell} does not exist` };
  }
}

/** Why an account may not log in (refused), and whether its password is locked. */
export interface AccountStatus {
  refused?: Refused;
  locked: boolean;
}

/**
 * Why `account` may not log in, if it may not. A locked password refuses it under `refuse`; under
 * `allow_keys` it is only reported (locked), and the shell is still checked, as by sshd with PAM.
 */
export async function accountStatus(
  account: Account,
  lockedAccounts: 'allow_keys' | 'refuse',
  files: StatusFiles = systemFiles,
  now: number = Date.now(),
): Promise<AccountStatus> {
  const [passwdText, shadowText] = await Promise.all([readText(files.passwd), readText(files.shadow)]);
  const pw = passwdText === undefined ? undefined : entry(passwdText, account.login);
  let sp = shadowText === undefined ? undefined : entry(shadowText, account.login);
  if (!sp && !pw) sp = await nssShadow(account.login);
  const password = passwordRefusal(sp, pw?.[1], now);
  const locked = password?.reason === 'account_locked';
  if (password && !(locked && lockedAccounts === 'allow_keys')) return { refused: password, locked };
  const shell = await shellRefusal(account.shell);
  return shell ? { refused: shell, locked } : { locked };
}
