/**
 * Running the real transfer clients (scp, sftp, rsync, git, ansible) against a test server: the
 * OpenSSH options a client needs to reach it as a given login, and a runner that keeps what the
 * client printed.
 */
import { spawn } from 'node:child_process';
import type { TestServer } from '../helpers/server.js';

export interface ClientRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/**
 * Runs `cmd`; `input` goes to its stdin, then EOF. A client still running after `killAfterMs`
 * is killed (the result then has signal SIGKILL): a hang is a failure, never a wait for ever.
 * Only the client's own exit counts: a ControlPersist master it forked may hold its pipes open.
 */
export function runClient(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string; killAfterMs?: number } = {},
): Promise<ClientRun> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    c.stdin.on('error', () => {});
    c.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.killAfterMs ?? 120_000);
    c.on('exit', (code, signal) => {
      clearTimeout(timer);
      // What is already in the pipes still arrives; a forked master keeping them open must not.
      setImmediate(() => resolve({ code, signal, out }));
    });
  });
}

/**
 * `-o` options (and -i) that make any OpenSSH-based client reach `srv` as `login`, without the
 * port (ssh takes -p, scp and sftp -P) or the destination. Same as the helper's ssh arguments.
 */
export function sshOptions(srv: TestServer, login: string): string[] {
  const args = srv.sshArgs({ login });
  const out: string[] = [];
  for (let i = 0; i < args.length - 1; i++) {
    const a = args[i] as string;
    if (a === '-p') i++;
    else if (a !== '-T' && a !== '-tt') out.push(a);
  }
  return out;
}

/** The same options as one `ssh ...` command line, for rsync's -e and GIT_SSH_COMMAND. */
export function sshCommand(srv: TestServer, login: string, extra: string[] = []): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return ['ssh', ...sshOptions(srv, login), '-p', String(srv.port), ...extra].map(quote).join(' ');
}

/** ControlMaster options sharing one connection through a socket under `dir`. */
export function controlMaster(dir: string): string[] {
  return ['-o', 'ControlMaster=auto', '-o', `ControlPath=${dir}/cm-%C`, '-o', 'ControlPersist=60'];
}
