/**
 * sshd's AuthorizedKeysCommand: a program whose standard output is read as authorized_keys lines
 * (keys from LDAP, a cloud IAM...). It runs through the launcher as
 * auth.authorized_keys_command_user (never the root server itself), with an empty environment but
 * PATH, for at most the configured time, and its output is bounded: a command that hangs, fails
 * or floods is a refusal with a log line, never a login that waits.
 */
import { spawn } from 'node:child_process';
import { type Account, lookupAccount } from './accounts.js';

/** sshd's tokens sshtrail fills in: %u login, %U its uid, %h its home, %t key type, %f fingerprint, %k key. */
export const KEYS_COMMAND_TOKENS = /%([uUhtfk%])/g;

/** The tokens an argv element names that are not known (for the config check). */
export function unknownTokens(arg: string): string[] {
  return [...arg.matchAll(/%(.?)/g)].map((m) => m[1] as string).filter((c) => !/^[uUhtfk%]$/.test(c));
}

export interface KeysCommandTokens {
  login: string;
  uid: number;
  home: string;
  keyType: string;
  fingerprint: string;
  keyBase64: string;
}

export function expandKeysCommand(argv: readonly string[], t: KeysCommandTokens): string[] {
  const value: Record<string, string> = {
    u: t.login,
    U: String(t.uid),
    h: t.home,
    t: t.keyType,
    f: t.fingerprint,
    k: t.keyBase64,
    '%': '%',
  };
  return argv.map((a) => a.replace(KEYS_COMMAND_TOKENS, (_, c: string) => value[c] ?? ''));
}

export type KeysCommandResult = { ok: true; text: string } | { ok: false; detail: string };

export interface KeysCommandRun {
  argv: string[];
  user: string;
  timeoutMs: number;
  maxBytes: number;
  /** The launcher and its arguments for a program run as an account (core/session/launch.ts). */
  launch(account: Account, argv: string[]): { file: string; args: string[] };
}

const serverUid = typeof process.getuid === 'function' ? process.getuid() : -1;

export async function runKeysCommand(r: KeysCommandRun): Promise<KeysCommandResult> {
  const account = await lookupAccount(r.user);
  if (!account) return { ok: false, detail: `authorized_keys_command_user ${r.user}: no such account` };
  if (serverUid !== 0 && account.uid !== serverUid)
    return { ok: false, detail: `the server is not root and cannot run the command as ${r.user}` };
  const { file, args } = r.launch(account, r.argv);
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      argv0: 'sshtrail-launch',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let bytes = 0;
    let err = '';
    let failure: string | undefined;
    let settled = false;
    const finish = (result: KeysCommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const stop = (why: string) => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(`timed out after ${r.timeoutMs / 1000} s (auth.authorized_keys_command_timeout)`),
      r.timeoutMs,
    );
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes > r.maxBytes) stop(`printed more than ${r.maxBytes} bytes`);
      else out.push(d);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < 512) err += d;
    });
    child.once('error', (e) =>
      finish({ ok: false, detail: `authorized_keys_command cannot be started: ${e.message}` }),
    );
    child.once('close', (code, signal) => {
      const said = err.trim() ? `; stderr: ${err.trim().slice(0, 200)}` : '';
      if (failure) finish({ ok: false, detail: `authorized_keys_command ${failure}${said}` });
      else if (code !== 0)
        finish({
          ok: false,
          detail: `authorized_keys_command exited with ${signal ?? `status ${code}`} (its keys are not used)${said}`,
        });
      else finish({ ok: true, text: Buffer.concat(out).toString('utf8') });
    });
  });
}
