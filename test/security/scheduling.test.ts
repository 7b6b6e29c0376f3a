/**
 * Every session leads its own session and process group, as under sshd, and runs at nice 0,
 * while the server (as root) runs with the raised priority `server_nice` sets. Before the fix an
 * exec session stayed in the server's session and process group: a `kill 0` in a root exec
 * session killed the server, and the autogroup scheduler counted every exec session's processes
 * as the server's own peers, so 200 busy root logins starved the server at the banner exchange
 * (bench/logins.ts measures that; this test holds the mechanism in place).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isRoot, needs } from '../helpers/privileged.js';
import { startServer } from '../helpers/server.js';

interface Stat {
  pid: number;
  pgrp: number;
  sid: number;
  nice: number;
}

/** The fields of /proc/<pid>/stat this test needs ("pid (comm) state ppid pgrp session ..."). */
function parseStat(text: string): Stat {
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, pgrp: Number(f[2]), sid: Number(f[3]), nice: Number(f[16]) };
}

describe('session scheduling and process separation', { timeout: 120_000 }, () => {
  it('exec and PTY sessions lead their own session at nice 0; the server runs at server_nice', async (t) => {
    if (!needs(t, isRoot, 'needs root (the server raises its priority only as root)')) return;
    const srv = await startServer({ config: { server_nice: -7 } });
    try {
      const serverPid = srv.process.pid ?? 0;
      const server = parseStat(readFileSync(`/proc/${serverPid}/stat`, 'utf8'));
      assert.equal(server.nice, -7, 'the server runs at the configured nice value');
      // Every thread, not only the main one (Linux sets nice per thread).
      for (const tid of readdirSync(`/proc/${serverPid}/task`)) {
        const th = parseStat(readFileSync(`/proc/${serverPid}/task/${tid}/stat`, 'utf8'));
        assert.equal(th.nice, -7, `server thread ${tid}`);
      }

      // $$ is the login shell the launcher exec'd: the session's first process.
      for (const tty of [false, true]) {
        const r = await srv.ssh(['cat', '/proc/$$/stat'], { tty });
        assert.equal(r.code, 0, r.stderr);
        const s = parseStat(r.stdout.toString().trim());
        const what = tty ? 'a PTY session' : 'an exec session';
        assert.equal(s.sid, s.pid, `${what} leads its own session`);
        assert.equal(s.pgrp, s.pid, `${what} leads its own process group`);
        assert.notEqual(s.sid, server.sid, `${what} is not in the server's session`);
        assert.equal(s.nice, 0, `${what} runs at nice 0, not the server's priority`);
      }

      // What the separation prevents: `kill 0` in a root exec session signals its own group only.
      const k = await srv.ssh(['sh', '-c', '\'trap "" TERM; kill -TERM 0; echo survived\'']);
      assert.equal(k.code, 0, k.stderr);
      assert.match(k.stdout.toString(), /survived/);
      assert.equal(srv.process.exitCode, null, 'the server is still running');
      const after = await srv.ssh(['echo', 'still-serving']);
      assert.match(after.stdout.toString(), /still-serving/);
    } finally {
      await srv.stop();
    }
  });

  it('server_nice 0 leaves the server at the priority it was started with', async (t) => {
    if (!needs(t, isRoot, 'needs root')) return;
    const srv = await startServer({ config: { server_nice: 0 } });
    try {
      const s = parseStat(readFileSync(`/proc/${srv.process.pid}/stat`, 'utf8'));
      assert.equal(s.nice, 0);
    } finally {
      await srv.stop();
    }
  });
});
