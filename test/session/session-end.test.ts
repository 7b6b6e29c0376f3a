/**
 * Every session that emitted session.start ends with exactly one session.end, whatever fails
 * (issue 10, defect 3), and a client cannot make the environment too big to start: 80 LC_X*
 * variables of 30 KB each, through the default allow-list, sent by the real OpenSSH client.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { recordingEnd } from '../helpers/recording.js';
import { type EventRecord, startServer } from '../helpers/server.js';
import { instanceCgroupDir, openFiles, sshWithEnv, validateAuditFile } from '../helpers/session-checks.js';

const bigEnv: Record<string, string> = {};
for (let i = 0; i < 80; i++) bigEnv[`LC_X${i}`] = 'x'.repeat(30_000);

const ofSession = (events: EventRecord[], id: unknown) => events.filter((e) => e.session_id === id);

describe('session end on every path', { timeout: 120_000 }, () => {
  it('refuses env requests past session.env_max_bytes (64 KiB) with a log line, and the session runs', async () => {
    const srv = await startServer();
    try {
      const r = await sshWithEnv(srv, bigEnv, 'env | grep -c ^LC_X; echo done');
      assert.equal(r.code, 0, r.stderr);
      // Two 30 KB variables fit in 64 KiB; the third and all later ones are refused.
      assert.equal(r.stdout, '2\ndone\n');
      assert.match(srv.logs(), /WARN env request refused: more than session\.env_max_bytes \(65536\) bytes/);
      const ev = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end'));
      assert.equal(ev.find((x) => x.type === 'session.end')?.exit_code, 0);
    } finally {
      await srv.stop();
    }
  });

  it('refuses env requests past session.env_max_count', async () => {
    const srv = await startServer({ config: { session: { env_max_count: 3 } } });
    try {
      // SHLVL (sent by the helper) is one of the three.
      const r = await sshWithEnv(srv, { LC_A: '1', LC_B: '2', LC_C: '3', LC_D: '4' }, 'env | grep -c ^LC_');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '2\n');
      assert.match(srv.logs(), /env request refused: more than session\.env_max_count \(3\) variables/);
    } finally {
      await srv.stop();
    }
  });

  for (const tty of [false, true]) {
    it(`a session whose process cannot start (E2BIG${tty ? ', PTY' : ''}) ends once, recording closed, cgroup removed, nothing left open`, async () => {
      // Limits raised past what the kernel takes: the spawn itself fails.
      const srv = await startServer({ config: { session: { env_max_bytes: 4 * 1024 * 1024 } } });
      try {
        const r = await sshWithEnv(srv, bigEnv, 'echo never', { tty });
        assert.equal(r.code, 1);
        assert.doesNotMatch(r.stdout, /never/);
        const ev = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end'));
        const start = ev.find((x) => x.type === 'session.start');
        assert.ok(start);
        const end = ofSession(ev, start.session_id).find((x) => x.type === 'session.end');
        assert.ok(end);
        // Without a PTY the spawn throws; with one, node-pty's child reports execvp's failure as exit 1.
        if (tty) assert.equal(end.exit_code, 1);
        else {
          assert.equal(end.reason, 'start_failed');
          assert.equal(end.exit_code, undefined);
          assert.match(r.stderr, /the session could not be started/);
        }
        assert.equal(recordingEnd(String(end.recording)), tty ? 'exit=1' : 'reason=start_failed');
        // The recording's descriptors are closed; its cgroup is gone.
        assert.deepEqual(
          openFiles(srv.process.pid as number).filter((f) => f.includes(String(start.session_id))),
          [],
        );
        const cgroups = instanceCgroupDir(srv.dataDir);
        if (start.cgroup_id !== undefined && cgroups) {
          assert.equal(existsSync(`${cgroups}/${start.session_id}`), false);
        }
        // No note of a live session is left (a restart would close it again).
        assert.equal(existsSync(`${srv.dataDir}/sessions/${start.session_id}.json`), false);
        // And the server goes on serving.
        const next = await srv.ssh(['echo', 'next']);
        assert.equal(next.stdout.toString(), 'next\n');
        await srv.stop('SIGTERM', { keepDir: true });
        // Exactly one session.end, now that the server is gone and nothing more can come.
        const ends = ofSession(srv.readEvents(), start.session_id).filter((x) => x.type === 'session.end');
        assert.equal(ends.length, 1);
        const v = validateAuditFile(srv.dataDir);
        assert.equal(v.code, 0, v.output);
      } finally {
        await srv.stop();
      }
    });
  }
});
