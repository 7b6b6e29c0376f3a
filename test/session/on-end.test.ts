/**
 * Sessions that outlive their connection (issue 12): under session.on_end keep (the default, as
 * sshd) what a session leaves running (`nohup cmd &`, a detached tmux, mosh-server) runs on in its
 * cgroup, still attributed to it, session.end counts it and session.linger.end marks its end;
 * a restart takes it back. Under kill it is killed and listed. A client that goes away hangs the
 * session up and session.end follows without waiting for the command. Real OpenSSH clients, real
 * tmux and mosh; every event validates.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot, needs } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';

const alive = (pid: number) => {
  try {
    // A zombie has no executable left: it is gone for our purpose.
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
  return !alive(pid);
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const ofSession = (events: EventRecord[], id: unknown) => events.filter((e) => e.session_id === id);
const find = (events: EventRecord[], type: string, id: unknown) =>
  events.find((e) => e.type === type && e.session_id === id);
const argvOf = (e: EventRecord) => (Array.isArray(e.argv) ? (e.argv as string[]).join(' ') : '');

function validates(srv: TestServer): void {
  const v = validateAuditFile(srv.dataDir);
  assert.equal(v.code, 0, v.output);
}

/** The session whose session.start came n-th (0-based). */
async function nthSession(srv: TestServer, n: number): Promise<EventRecord> {
  const ev = await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.start').length > n);
  return ev.filter((x) => x.type === 'session.start')[n] as EventRecord;
}

describe('sessions that outlive their connection', { timeout: 240_000 }, () => {
  it('keep: `nohup sleep 300 &` lingers, session.end counts 1, session.linger.end comes when it is killed', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    const srv = await startServer();
    let pid = 0;
    try {
      const r = await srv.ssh(['nohup sleep 300 >/dev/null 2>&1 & echo $!']);
      assert.equal(r.code, 0, r.stderr);
      pid = Number(r.stdout.toString().trim());
      const start = await nthSession(srv, 0);
      const ev = await srv.waitForEvents((e) => find(e, 'session.end', start.session_id) !== undefined);
      const end = find(ev, 'session.end', start.session_id) as EventRecord;
      assert.equal(end.exit_code, 0);
      assert.ok(alive(pid), 'the nohup job died with the session');
      if (start.cgroup_id === undefined) return; // no cgroup: nothing is counted or watched
      assert.equal(end.lingering, 1);
      assert.equal(find(ev, 'session.linger.end', start.session_id), undefined);
      process.kill(pid, 'SIGTERM');
      const after = await srv.waitForEvents(
        (e) => find(e, 'session.linger.end', start.session_id) !== undefined,
      );
      const linger = find(after, 'session.linger.end', start.session_id) as EventRecord;
      assert.equal(linger.reason, 'exited');
      assert.equal(linger.processes, 1);
      assert.equal(linger.unwatched, undefined);
      // The session's last event, numbered on from session.end.
      const mine = ofSession(after, start.session_id);
      assert.equal(mine.at(-1)?.type, 'session.linger.end');
      assert.ok(Number(linger.seq) > Number(end.seq));
      validates(srv);
    } finally {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      await srv.stop();
    }
  });

  it('keep: a detached tmux survives logout, a second login sees it, and what it runs later is the first session’s', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    if (!needs(t, has('tmux'), 'needs tmux (scripts/setup.sh --test)')) return;
    const srv = await startServer();
    const sock = `sshtrail-onend-${process.pid}`;
    try {
      const r = await srv.ssh([`tmux -L ${sock} new-session -d -s kept 'sleep 1000'`]);
      assert.equal(r.code, 0, r.stderr);
      const first = await nthSession(srv, 0);
      const ev = await srv.waitForEvents((e) => find(e, 'session.end', first.session_id) !== undefined);
      const end = find(ev, 'session.end', first.session_id) as EventRecord;
      if (first.cgroup_id !== undefined) assert.ok(Number(end.lingering) >= 1, JSON.stringify(end));

      const ls = await srv.ssh([`tmux -L ${sock} ls`]);
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stdout.toString(), /^kept: 1 windows/m);

      // The tmux server (in the first session's cgroup) starts the new window's command.
      const marker = `marker-${process.pid}-${Date.now()}`;
      const w = await srv.ssh([`tmux -L ${sock} new-window -d -t kept '/bin/echo ${marker}; sleep 1000'`]);
      assert.equal(w.code, 0, w.stderr);
      if (first.cgroup_id !== undefined) {
        // The echo itself (the second login's tmux client names the marker too, in its argv).
        const isEcho = (x: EventRecord) =>
          x.type === 'session.command' && argvOf(x) === `/bin/echo ${marker}`;
        const later = await srv.waitForEvents((e) => e.some(isEcho));
        const execs = later.filter(isEcho);
        for (const x of execs) assert.equal(x.session_id, first.session_id, JSON.stringify(x));
      }
      const k = await srv.ssh([`tmux -L ${sock} kill-server`]);
      assert.equal(k.code, 0, k.stderr);
      if (first.cgroup_id !== undefined) {
        const done = await srv.waitForEvents(
          (e) => find(e, 'session.linger.end', first.session_id) !== undefined,
        );
        assert.equal((find(done, 'session.linger.end', first.session_id) as EventRecord).reason, 'exited');
      }
      validates(srv);
    } finally {
      spawnSync('tmux', ['-L', sock, 'kill-server']);
      await srv.stop();
    }
  });

  it('kill: the detached tmux is killed at logout and session.end lists it', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    if (!needs(t, has('tmux'), 'needs tmux (scripts/setup.sh --test)')) return;
    const srv = await startServer({ config: { session: { on_end: 'kill' } } });
    const sock = `sshtrail-onend-kill-${process.pid}`;
    try {
      const r = await srv.ssh([`tmux -L ${sock} new-session -d -s doomed 'sleep 1000'`]);
      assert.equal(r.code, 0, r.stderr);
      const first = await nthSession(srv, 0);
      if (!needs(t, first.cgroup_id !== undefined, 'needs session cgroups (enhanced recording)')) return;
      const ev = await srv.waitForEvents((e) => find(e, 'session.end', first.session_id) !== undefined);
      const end = find(ev, 'session.end', first.session_id) as EventRecord;
      const killed = end.killed as { pid: number; command: string }[];
      assert.ok(
        killed?.some((k) => /^tmux/.test(k.command)),
        `killed: ${JSON.stringify(end.killed)}`,
      );
      assert.equal(end.killed_count, killed.length);
      assert.equal(end.lingering, undefined);
      for (const k of killed) assert.ok(await gone(k.pid), `${k.command} (${k.pid}) survived`);
      const ls = await srv.ssh([`tmux -L ${sock} ls`]);
      assert.notEqual(ls.code, 0);
      assert.equal(find(srv.readEvents(), 'session.linger.end', first.session_id), undefined);
      validates(srv);
    } finally {
      spawnSync('tmux', ['-L', sock, 'kill-server']);
      await srv.stop();
    }
  });

  it('a client killed mid-command: the session is hung up and session.end follows without waiting for the command', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    const srv = await startServer();
    // bash does not exec the sleep (a command follows): as with sshd, SIGHUP reaches both.
    const c = spawn('ssh', [...srv.sshArgs(), 'echo $$; sleep 100; echo never'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let shell = 0;
    let child = 0;
    try {
      const [line] = (await once(c.stdout, 'data')) as [Buffer];
      shell = Number(line.toString().trim());
      for (let i = 0; i < 100 && !child; i++) {
        const kids = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim();
        child = Number(kids.split(' ')[0] || 0);
        if (!child) await sleep(20);
      }
      assert.ok(child, 'no sleep under the shell');
      c.kill('SIGKILL');
      const start = await nthSession(srv, 0);
      const ev = await srv.waitForEvents((e) => find(e, 'session.end', start.session_id) !== undefined);
      const end = find(ev, 'session.end', start.session_id) as EventRecord;
      assert.equal(end.signal, 'HUP');
      assert.ok(await gone(shell), 'the shell survived the hang-up');
      assert.ok(await gone(child), 'the sleep survived the hang-up');
      if (start.cgroup_id !== undefined) assert.equal(end.lingering, 0);
      validates(srv);
    } finally {
      c.kill('SIGKILL');
      for (const pid of [shell, child]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      await srv.stop();
    }
  });

  it('keep across a restart: a stopped server leaves what lingers; the next start takes it back and attributes it', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    const first = await startServer();
    const flag = join(first.dir, 'go');
    const marker = `restart-marker-${process.pid}`;
    let pid = 0;
    let dir = first.dir;
    try {
      const r = await first.ssh([
        `nohup sh -c 'while [ ! -e ${flag} ]; do sleep 0.2; done; exec /bin/echo ${marker}' >/dev/null 2>&1 & echo $!`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      pid = Number(r.stdout.toString().trim());
      const start = await nthSession(first, 0);
      if (!needs(t, start.cgroup_id !== undefined, 'needs session cgroups (enhanced recording)')) return;
      await first.waitForEvents((e) => find(e, 'session.end', start.session_id) !== undefined);
      await first.stop('SIGTERM', { keepDir: true });
      assert.ok(alive(pid), 'the lingering process died with the server');

      const srv = await startServer({ dir });
      try {
        await srv.waitForLog(/took back a session the previous run left running/);
        assert.ok(alive(pid));
        spawnSync('touch', [flag]);
        const ev = await srv.waitForEvents(
          (e) => find(e, 'session.linger.end', start.session_id) !== undefined,
        );
        const linger = find(ev, 'session.linger.end', start.session_id) as EventRecord;
        assert.equal(linger.reason, 'exited');
        assert.equal(linger.unwatched, true);
        // The shell loop, and maybe the sleep it was in at session.end.
        assert.ok(Number(linger.processes) >= 1);
        const execs = ev.filter((x) => x.type === 'session.command' && argvOf(x).includes(marker));
        assert.ok(execs.length > 0, 'the exec after the restart was not captured');
        for (const x of execs) assert.equal(x.session_id, start.session_id);
        // One session.end, from the first run.
        assert.equal(
          ev.filter((x) => x.type === 'session.end' && x.session_id === start.session_id).length,
          1,
        );
        validates(srv);
      } finally {
        await srv.stop('SIGTERM', { keepDir: true });
      }
    } finally {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = '';
    }
  });

  it('keep: mosh works (mosh-server lingers in the session, its commands attributed to it)', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    if (!needs(t, has('mosh') && has('script'), 'needs mosh and script (scripts/setup.sh --test)')) return;
    const srv = await startServer();
    try {
      const args = srv.sshArgs().filter((a) => a !== '-T');
      const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
      const sshCmd = ['ssh', ...args.slice(0, -1)].map(quote).join(' ');
      // The command waits for the test (a flag file) so that mosh-server is still there at the
      // SSH session's end, which comes as soon as mosh-server has forked.
      const flag = join(srv.dir, 'mosh-go');
      const inner = `while [ ! -e ${flag} ]; do sleep 0.2; done; echo mosh-ok-$((6*7))`;
      const cmd = `stty rows 24 cols 80; mosh --ssh=${quote(sshCmd)} ${srv.login}@127.0.0.1 -- sh -c ${quote(inner)}`;
      // mosh needs a terminal of some size and a UTF-8 locale.
      const client = spawn('script', ['-qec', cmd, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
      });
      let out = '';
      client.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      client.stderr.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      const exited = once(client, 'close') as Promise<[number | null]>;
      try {
        const start = await nthSession(srv, 0);
        const ev = await srv.waitForEvents(
          (e) => find(e, 'session.end', start.session_id) !== undefined,
          30_000,
        );
        const end = find(ev, 'session.end', start.session_id) as EventRecord;
        if (start.cgroup_id !== undefined)
          assert.ok(Number(end.lingering) >= 1, 'mosh-server did not linger');
        writeFileSync(flag, '');
        const [code] = await exited;
        assert.equal(code, 0, out);
        assert.match(out, /mosh-ok-42/);
        if (start.cgroup_id !== undefined) {
          const done = await srv.waitForEvents(
            (e) => find(e, 'session.linger.end', start.session_id) !== undefined,
            30_000,
          );
          const execs = done.filter((x) => x.type === 'session.command' && argvOf(x).includes('mosh-ok-'));
          assert.ok(execs.length > 0, 'the command run by mosh-server was not captured');
          for (const x of execs) assert.equal(x.session_id, start.session_id);
        }
      } finally {
        client.kill('SIGKILL');
      }
      validates(srv);
    } finally {
      await srv.stop();
    }
  });
});
