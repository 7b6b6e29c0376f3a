/**
 * A session kept open across something a test does to the server (a reload, another instance
 * stopping): the real `ssh` client running `bash` without a PTY, fed lines on stdin.
 *
 *   const s = await openSession(srv);
 *   await s.run('echo hi');      // resolves with the output once the line ran
 *   const code = await s.end();  // EOF to bash, resolves with ssh's exit code
 */
import { spawn } from 'node:child_process';
import type { SshOptions, TestServer } from './server.js';

export interface LiveSession {
  /** Runs one shell line; resolves with what it printed (stdout and stderr) before its marker. */
  run(line: string, timeoutMs?: number): Promise<string>;
  /** Closes stdin (bash exits); resolves with ssh's exit code. */
  end(): Promise<number | null>;
  /** Everything printed so far. */
  output(): string;
}

let seq = 0;

export async function openSession(srv: TestServer, opts: SshOptions = {}): Promise<LiveSession> {
  const c = spawn('ssh', [...srv.sshArgs(opts), 'exec bash 2>&1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  c.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  c.stdin.on('error', () => {});
  const closed = new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)));
  const session: LiveSession = {
    async run(line, timeoutMs = 20000) {
      const marker = `__done_${process.pid}_${seq++}__`;
      const from = out.length;
      c.stdin.write(`${line}\necho ${marker}\n`);
      const until = Date.now() + timeoutMs;
      for (;;) {
        const at = out.indexOf(marker, from);
        if (at >= 0) return out.slice(from, at);
        if (c.exitCode !== null || c.signalCode !== null || Date.now() > until)
          throw new Error(`session did not run '${line}'; output: ${out}; ssh stderr: ${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    end() {
      c.stdin.end();
      const kill = setTimeout(() => c.kill('SIGKILL'), 20000);
      return closed.finally(() => clearTimeout(kill));
    },
    output: () => out,
  };
  // Logged in and the shell runs: the first line comes back.
  await session.run('true', 30000);
  return session;
}
