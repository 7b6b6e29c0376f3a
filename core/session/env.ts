/**
 * A session's environment: built from the account and the connection, never inherited from the
 * server. Client `env` requests pass only through the allow-list and the session's count and byte
 * limits; names that change how programs load or behave (LD_*, BASH_ENV, SHELLOPTS, PATH, ...) are
 * refused whatever the list says.
 */
import type { Account } from '../ssh/accounts.js';

/**
 * Never accepted from a client, whatever env_allow says: names that make the dynamic loader, libc
 * or the shell load or run something (a forced command must stay the only thing that runs), and
 * the ones the server sets itself.
 */
const neverAllowed =
  /^(LD_|DYLD_|BASH_FUNC_|GCONV_|MALLOC_)|^(PATH|HOME|USER|LOGNAME|SHELL|IFS|ENV|BASH_ENV|BASHOPTS|SHELLOPTS|BASH_XTRACEFD|BASH_LOADABLES_PATH|PROMPT_COMMAND|PS[0-4]|GLIBC_TUNABLES|SSH_.*|TERM|NODE_OPTIONS|PYTHON.*|PERL5?LIB|PERL5OPT|RUBYOPT|LOCPATH|NLSPATH|TMPDIR|HOSTALIASES|RES_OPTIONS|LOCALDOMAIN)$/;

export function envAllowed(name: string, allow: readonly string[]): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || neverAllowed.test(name)) return false;
  return allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a));
}

/** Why an env request was refused, for the log. */
export type EnvRefusal = 'not_allowed' | 'too_many' | 'too_big';

/**
 * The variables a client set on one session channel, within the allow-list and the count and
 * byte limits (session.env_max_count, env_max_bytes): a client cannot make the session's
 * environment too big to start (E2BIG) or the server hold unbounded data per channel.
 */
export class RequestedEnv {
  readonly vars: Record<string, string> = {};
  private count = 0;
  private bytes = 0;

  constructor(private readonly limits: { allow: readonly string[]; maxCount: number; maxBytes: number }) {}

  /** Takes the variable, or says why not. Setting a name again replaces its value. */
  set(name: string, value: string): EnvRefusal | undefined {
    if (!envAllowed(name, this.limits.allow)) return 'not_allowed';
    const old = Object.hasOwn(this.vars, name) ? this.vars[name] : undefined;
    const size = (s: string) => Buffer.byteLength(s) + Buffer.byteLength(name) + 2; // NAME=VALUE\0
    const count = this.count + (old === undefined ? 1 : 0);
    const bytes = this.bytes - (old === undefined ? 0 : size(old)) + size(value);
    if (count > this.limits.maxCount) return 'too_many';
    if (bytes > this.limits.maxBytes) return 'too_big';
    this.vars[name] = value;
    this.count = count;
    this.bytes = bytes;
    return undefined;
  }
}

export interface EnvInput {
  account: Account;
  path: string;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  term?: string;
  tty?: string;
  requested: Record<string, string>;
}

export function sessionEnv(i: EnvInput): Record<string, string> {
  const env: Record<string, string> = { ...i.requested };
  Object.assign(env, {
    HOME: i.account.home,
    USER: i.account.login,
    LOGNAME: i.account.login,
    SHELL: i.account.shell,
    PATH: i.path,
    SSH_CONNECTION: `${i.client.ip} ${i.client.port} ${i.server.ip} ${i.server.port}`,
    SSH_CLIENT: `${i.client.ip} ${i.client.port} ${i.server.port}`,
  });
  if (i.term !== undefined) env.TERM = i.term;
  if (i.tty !== undefined) env.SSH_TTY = i.tty;
  return env;
}
