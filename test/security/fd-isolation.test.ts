/**
 * No session reaches another: a login's processes hold their own stdio and nothing else, however
 * many terminals (root's included) are open on the server, and whatever the server itself
 * inherited. Before the fix every PTY master leaked into every later session, and a non-root
 * login could type into root's shell through /proc/self/fd.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as pty from 'node-pty';
import { isRoot, needs } from '../helpers/privileged.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

/** A client PTY running `ssh -tt`, with a way to wait for what it shows. */
function terminal(srv: TestServer, login: string) {
  const term = pty.spawn('ssh', srv.sshArgs({ tty: true, login }), { name: 'xterm', cols: 200, rows: 50 });
  let seen = '';
  term.onData((d) => {
    seen += d;
  });
  const exited = new Promise<void>((r) => term.onExit(() => r()));
  return {
    exited,
    text: () => seen,
    async run(line: string, until: RegExp): Promise<RegExpExecArray> {
      term.write(`${line}\r`);
      for (let i = 0; i < 400; i++) {
        const m = until.exec(seen);
        if (m) return m;
        await sleep(50);
      }
      throw new Error(`timed out waiting for ${until}; saw:\n${seen}`);
    },
    kill: () => term.kill('SIGKILL'),
  };
}

/** `ls -l /proc/self/fd/` output as fd → target, without ls's own directory descriptor. */
function parseFds(text: string): Map<number, string> {
  const fds = new Map<number, string>();
  for (const m of text.matchAll(/ (\d+) -> (\S+)/g)) {
    const [, fd, target] = m as unknown as [string, string, string];
    if (/^\/proc\/\d+\/fd$/.test(target)) continue;
    fds.set(Number(fd), target);
  }
  return fds;
}

function assertOnlyStdio(fds: Map<number, string>, what: string): void {
  assert.ok(fds.size >= 3, `${what}: expected to see fds 0-2, got ${JSON.stringify([...fds])}`);
  const extra = [...fds].filter(([fd]) => fd > 2);
  assert.deepEqual(extra, [], `${what} holds descriptors beyond its stdio`);
  for (const [, target] of fds) assert.doesNotMatch(target, /ptmx/, `${what} holds a PTY master`);
}

const pidGone = (pid: number) => {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return false;
  } catch {
    return true;
  }
};

describe('descriptor isolation between sessions', { timeout: 180_000 }, () => {
  let a: TestUser;
  let b: TestUser;
  before(() => {
    if (!isRoot) return;
    a = ensureUser('sshtrail-fd1');
    b = ensureUser('sshtrail-fd2');
  });

  /** With root's and b's terminals open, a's exec and PTY sessions hold only their own stdio. */
  async function checkIsolation(srv: TestServer, label: string) {
    const pub = readFileSync(`${srv.keyFile}.pub`, 'utf8');
    srv.authorize(a.name, pub);
    srv.authorize(b.name, pub);
    const rootTerm = terminal(srv, 'root');
    const otherTerm = terminal(srv, b.name);
    try {
      await rootTerm.run('echo root-$((40+2))', /root-42/);
      await otherTerm.run('echo other-$((40+2))', /other-42/);

      const exec = await srv.ssh(['ls', '-l', '/proc/self/fd/'], { login: a.name });
      assert.equal(exec.code, 0, exec.stderr);
      assertOnlyStdio(parseFds(exec.stdout.toString()), `${label}: a non-root exec session`);

      const own = terminal(srv, a.name);
      try {
        const m = await own.run(
          'command ls -l --color=never /proc/self/fd/; echo fds-$((1+1))',
          /([\s\S]*)fds-2/,
        );
        assertOnlyStdio(parseFds(m[1] ?? ''), `${label}: a non-root PTY session`);
      } finally {
        own.kill();
      }
    } finally {
      rootTerm.kill();
      otherTerm.kill();
    }
  }

  it('a non-root login holds only its own stdio while root and another user have terminals open', async (t) => {
    if (!needs(t, isRoot, 'needs root (real logins of other users)')) return;
    const srv = await startServer();
    try {
      await checkIsolation(srv, 'first server');
    } finally {
      await srv.stop();
    }
  });

  it('the same after a restart by a server that inherited descriptors of its own', async (t) => {
    if (!needs(t, isRoot, 'needs root (real logins of other users)')) return;
    // As when an operator restarts sshtrail from inside a session: the new server holds that
    // session's descriptors; none may reach the logins it serves.
    const first = await startServer();
    const leaked = openSync(join(first.dir, 'sshtrail.yaml'), 'r');
    await first.stop();
    const srv = await startServer({ inheritFds: [leaked, leaked] });
    closeSync(leaked);
    try {
      await checkIsolation(srv, 'restarted server');
    } finally {
      await srv.stop();
    }
  });

  it('a crashed server hangs up its PTY sessions: no later session keeps a master open', async (t) => {
    if (!needs(t, isRoot, 'needs root (real logins of other users)')) return;
    const srv = await startServer();
    srv.authorize(b.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    const rootTerm = terminal(srv, 'root');
    // A quiet exec session started after root's terminal: before the fix it inherited root's
    // master, and being no terminal session itself it never got a hangup that would close it.
    const quiet = spawn('ssh', [...srv.sshArgs({ login: b.name }), 'echo $$; exec sleep 600'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let quietPid = 0;
    try {
      const rootPid = Number((await rootTerm.run('echo pid-$$-x', /pid-(\d+)-x/))[1]);
      const [line] = (await once(quiet.stdout, 'data')) as [Buffer];
      quietPid = Number(line.toString().trim());
      assert.ok(quietPid > 0 && !pidGone(quietPid) && !pidGone(rootPid));
      srv.process.kill('SIGKILL');
      // The kernel closes the server's master; with no copy elsewhere, root's shell gets SIGHUP.
      for (let i = 0; i < 200 && !pidGone(rootPid); i++) await sleep(50);
      assert.ok(pidGone(rootPid), "root's shell did not get its hangup");
    } finally {
      if (quietPid > 0 && !pidGone(quietPid)) process.kill(quietPid, 'SIGKILL');
      quiet.kill('SIGKILL');
      rootTerm.kill();
      await srv.stop();
    }
  });
});
