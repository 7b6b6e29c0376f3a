/**
 * A session's environment: built from the account and the connection, never inherited from the
 * server. Client `env` requests pass only through the allow-list; names that change how programs
 * load or behave (LD_*, BASH_ENV, PATH, ...) are refused whatever the list says.
 */
import type { Account } from '../ssh/accounts.js';

const neverAllowed =
  /^(LD_|DYLD_|BASH_FUNC_|GCONV_|MALLOC_)|^(PATH|HOME|USER|LOGNAME|SHELL|IFS|ENV|BASH_ENV|PS4|SSH_.*|TERM|NODE_OPTIONS|PYTHON.*|PERL5?LIB|PERL5OPT|RUBYOPT|LOCPATH|NLSPATH|TMPDIR|HOSTALIASES|RES_OPTIONS|LOCALDOMAIN)$/;

export function envAllowed(name: string, allow: readonly string[]): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || neverAllowed.test(name)) return false;
  return allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a));
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
