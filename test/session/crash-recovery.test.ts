/**
 * A server killed with -9 leaves sessions behind (issue 10, defect 4): a quiet exec session that
 * no hangup reaches, a PTY shell's hangup-immune background job, their cgroups, and sessions
 * that never got their session.end. The next start, however soon, kills all of it, removes the
 * cgroups and closes each session with one session.end (reason server_crash); a clean stop of
 * that server then leaves nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as pty from 'node-pty';
import { isRoot, needs } from '../helpers/privileged.js';
import { recordingEnd } from '../helpers/recording.js';
import { type EventRecord, startServer } from '../helpers/server.js';
import { instanceCgroupDir, validateAuditFile } from '../helpers/session-checks.js';

const alive = (pid: number) => {
  try {
    // A zombie has no executable left: it is gone for our purpose.
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  return !alive(pid);
}

const ofType = (events: EventRecord[], type: string) => events.filter((e) => e.type === type);

describe('crash leftovers', { timeout: 180_000 }, () => {
  it('kill -9, restart at once (on_end kill): processes killed, cgroups removed, one session.end server_crash each', async (t) => {
    if (!needs(t, isRoot, 'needs root (session cgroups)')) return;
    // Under on_end keep a restart takes back what still runs (test/session/on-end.test.ts).
    const config = { session: { on_end: 'kill' } };
    const first = await startServer({ config });
    const quiet = spawn('ssh', [...first.sshArgs(), 'echo $$; exec sleep 1000'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const term = pty.spawn('ssh', first.sshArgs({ tty: true }), { name: 'xterm', cols: 120, rows: 40 });
    let seen = '';
    term.onData((d) => {
      seen += d;
    });
    const pids: number[] = [];
    let dir = first.dir;
    try {
      const [line] = (await once(quiet.stdout, 'data')) as [Buffer];
      pids.push(Number(line.toString().trim()));
      // A background job that ignores the hangup a crashed server's PTY gives its shell.
      term.write(`(trap '' HUP; exec sleep 1001) & echo job-$!-x\r`);
      for (let i = 0; i < 400 && !/job-\d+-x/.test(seen.replace(/job-\$!-x/, '')); i++) await sleep(50);
      const job = /job-(\d+)-x/.exec(seen.replace(/job-\$!-x/, ''));
      assert.ok(job, `no job pid; saw:\n${seen}`);
      pids.push(Number(job[1]));
      const before = await first.waitForEvents((e) => ofType(e, 'session.start').length === 2);
      const sessions = ofType(before, 'session.start');
      for (const s of sessions)
        assert.ok(existsSync(`${first.dataDir}/sessions/${s.session_id}.json`), 'no live-session note');

      await first.stop('SIGKILL', { keepDir: true });
      // Both outlived the server: no hangup reaches them.
      for (const pid of pids) assert.ok(alive(pid), `pid ${pid} died with the server`);

      const srv = await startServer({ dir, config });
      try {
        for (const pid of pids) assert.ok(await gone(pid), `pid ${pid} survived the restart`);
        const cgroups = instanceCgroupDir(srv.dataDir);
        for (const s of sessions) {
          if (s.cgroup_id !== undefined && cgroups)
            assert.equal(existsSync(`${cgroups}/${s.session_id}`), false, 'session cgroup left');
        }
        assert.doesNotMatch(srv.logs(), /belongs to a running process/);
        const ev = await srv.waitForEvents((e) => ofType(e, 'session.end').length >= 2);
        for (const s of sessions) {
          const ends = ofType(ev, 'session.end').filter((e) => e.session_id === s.session_id);
          assert.equal(ends.length, 1);
          const end = ends[0] as EventRecord;
          assert.equal(end.reason, 'server_crash');
          assert.equal(end.login, s.login);
          if (s.cgroup_id !== undefined)
            assert.ok(
              (end.killed as { command: string }[] | undefined)?.some((k) => k.command === 'sleep'),
              `killed: ${JSON.stringify(end.killed)}`,
            );
          assert.equal(recordingEnd(String(end.recording)), 'reason=server_crash');
        }
        assert.deepEqual(readdirSync(`${srv.dataDir}/sessions`), []);
        const r = await srv.ssh(['echo', 'after']);
        assert.equal(r.stdout.toString(), 'after\n');
      } finally {
        await srv.stop('SIGTERM', { keepDir: true });
      }
      // The clean stop leaves nothing: no cgroup subtree, no notes, no pid file, one end each.
      const cgroups = instanceCgroupDir(srv.dataDir);
      if (cgroups) assert.equal(existsSync(cgroups), false, `${cgroups} left after a clean stop`);
      assert.deepEqual(readdirSync(`${srv.dataDir}/sessions`), []);
      assert.equal(existsSync(`${srv.dataDir}/sshtrail.pid`), false);
      for (const s of sessions) {
        const ends = ofType(srv.readEvents(), 'session.end').filter((e) => e.session_id === s.session_id);
        assert.equal(ends.length, 1);
      }
      const v = validateAuditFile(srv.dataDir);
      assert.equal(v.code, 0, v.output);
    } finally {
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      quiet.kill('SIGKILL');
      term.kill('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = '';
    }
  });

  it('a second server on the same data dir is refused, and the first serves on', async () => {
    const srv = await startServer();
    try {
      await assert.rejects(
        startServer({ dir: srv.dir }),
        /another sshtrail server \(pid \d+\) runs on the data dir/,
      );
      const r = await srv.ssh(['echo', 'still']);
      assert.equal(r.stdout.toString(), 'still\n');
    } finally {
      await srv.stop();
    }
  });
});
