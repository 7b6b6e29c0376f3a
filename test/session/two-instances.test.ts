/**
 * Two live servers on one host (issue 11, "Several instances on one host"): two data dirs, two
 * ports, both with enhanced recording as the default config gives it as root, so both keep their
 * session cgroups under the same cgroup root. Stopping, restarting or kill -9 of one must leave
 * the other's open sessions running and its new logins working, with their events.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type LiveSession, openSession } from '../helpers/live-session.js';
import { isRoot, needs } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { instanceCgroupDir } from '../helpers/session-checks.js';

const starts = (ev: EventRecord[]) => ev.filter((e) => e.type === 'session.start');

/**
 * B is untouched: its open session runs a command, and a new login runs one, with its
 * session.start, session.command (the kernel capture in B's own cgroups) and session.end.
 */
async function stillServes(b: TestServer, open: LiveSession, what: string): Promise<void> {
  assert.equal(await open.run(`echo open ${what}`), `open ${what}\n`, `B's open session, ${what}`);
  // Earlier calls waited for their sessions' events: a start of this command not seen yet is this one.
  const command = 'cat /proc/self/comm';
  const ofCommand = (e: EventRecord[]) => starts(e).filter((x) => x.command === command);
  const seen = new Set(ofCommand(b.readEvents()).map((x) => x.session_id));
  const r = await b.ssh([command]);
  assert.equal(r.code, 0, `new login on B ${what}: ${r.stderr}\n${b.logs()}`);
  assert.equal(r.stdout.toString(), 'cat\n');
  const newStart = (e: EventRecord[]) => ofCommand(e).find((x) => !seen.has(x.session_id));
  const ev = await b.waitForEvents((e) => {
    const s = newStart(e);
    return s !== undefined && e.some((x) => x.session_id === s.session_id && x.type === 'session.end');
  });
  const id = newStart(ev)?.session_id;
  const mine = ev.filter((x) => x.session_id === id);
  assert.equal(mine.find((x) => x.type === 'session.end')?.exit_code, 0, `${what}: ${JSON.stringify(mine)}`);
  await b.waitForEvents((e) =>
    e.some((x) => x.session_id === id && x.type === 'session.command' && x.program === 'cat'),
  );
  assert.doesNotMatch(b.logs(), /session set-up failed/);
}

describe('two instances on one host', { timeout: 180_000 }, () => {
  it("stopping, restarting and kill -9 of one leave the other's sessions and logins working", async (t) => {
    if (!needs(t, isRoot, 'needs root (enhanced recording with session cgroups)')) return;
    const a = await startServer();
    const b = await startServer();
    let restarted: TestServer | undefined;
    let open: LiveSession | undefined;
    try {
      for (const s of [a, b]) assert.match(s.logs(), /INFO enhanced recording on/, s.logs());
      const onA = await openSession(a);
      open = await openSession(b);
      assert.equal(await onA.run('echo a'), 'a\n');
      await stillServes(b, open, 'with both running');

      // A stops cleanly while a session is open on each.
      const stopped = await a.stop('SIGTERM', { keepDir: true });
      assert.equal(stopped.code, 0, a.logs());
      await onA.end();
      await stillServes(b, open, 'after A stopped');
      const bCgroups = instanceCgroupDir(b.dataDir);
      if (bCgroups) assert.ok(existsSync(bCgroups), "B's cgroup subtree is still there");

      // A starts again on its data dir while B's session is open.
      restarted = await startServer({ dir: a.dir });
      await stillServes(b, open, 'after A restarted');
      const onA2 = await openSession(restarted);
      assert.equal(await onA2.run('echo a2'), 'a2\n');

      // kill -9 of A with a session open, then a start that cleans up what it left.
      await restarted.stop('SIGKILL', { keepDir: true });
      await onA2.end();
      await stillServes(b, open, 'after A was killed');
      restarted = await startServer({ dir: a.dir });
      await restarted.waitForEvents((e) =>
        e.some((x) => x.type === 'session.end' && x.reason === 'server_crash'),
      );
      await stillServes(b, open, 'after A restarted from kill -9');
      const r = await restarted.ssh(['echo', 'a3']);
      assert.equal(r.stdout.toString(), 'a3\n', r.stderr);

      // B's long session ends normally, with its events.
      assert.equal(await open.end(), 0);
      open = undefined;
      const ev = await b.waitForEvents((e) => {
        const first = starts(e)[0];
        return e.some((x) => x.session_id === first?.session_id && x.type === 'session.end');
      });
      const first = starts(ev)[0]?.session_id;
      const end = ev.find((x) => x.session_id === first && x.type === 'session.end');
      assert.equal(end?.exit_code, 0, JSON.stringify(end));
      assert.equal(end?.reason, undefined);
    } finally {
      await open?.end();
      await restarted?.stop();
      await b.stop();
      if (a.process.exitCode === null && a.process.signalCode === null) await a.stop();
    }
  });
});
