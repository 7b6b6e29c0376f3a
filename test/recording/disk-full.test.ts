/**
 * A recording that cannot be written (issue 13, "Disk full and retention"): the recordings dir is
 * a 1 MiB tmpfs (the audit file stays on a disk with room, so every event is there to check).
 * Under recording.on_failure refuse a session writing until the disk fills is told and ended,
 * and a new login is refused with a message; under continue both go on, and session.end says
 * the recording failed. Real `ssh` sessions; the tmpfs is unmounted at the end.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const BIG = 8 * 1024 * 1024;

async function withFullableRecordings(
  onFailure: 'refuse' | 'continue',
  body: (srv: TestServer, fs: Tmpfs) => Promise<void>,
): Promise<void> {
  let mounted: Tmpfs | undefined;
  const srv = await startServer({
    config: { recording: { on_failure: onFailure } },
    beforeStart: (dataDir) => {
      mounted = mountTmpfs(1024 * 1024, { at: join(dataDir, 'recordings'), mode: 0o700 });
    },
  });
  try {
    await body(srv, mounted as Tmpfs);
  } finally {
    await srv.stop(undefined, { keepDir: true });
    mounted?.unmount();
    rmSync(srv.dir, { recursive: true, force: true });
  }
}

const endOf = (ev: EventRecord[], cmd: string) => {
  const st = ev.find((x) => x.type === 'session.start' && x.command === cmd);
  return ev.find((x) => x.type === 'session.end' && x.session_id === st?.session_id);
};

describe('recording.on_failure', {
  skip: isRoot ? false : 'needs root: mounts a tmpfs',
  timeout: 180_000,
}, () => {
  it('refuse: a session whose recording fills the disk is told and ended, a new login is refused', async () => {
    await withFullableRecordings('refuse', async (srv, fs) => {
      // Writes until something stops it: only the recording's failure can.
      const cmd = 'while :; do head -c 65536 /dev/zero; done; echo finished >&2';
      const r = await srv.ssh([cmd], { timeoutMs: 120_000 });
      assert.equal(r.signal, null, 'ended by the server, not by the test');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /recording failed \(disk full\): the session is ended/);
      assert.ok(!r.stderr.includes('finished'), r.stderr);
      let ev = await srv.waitForEvents((e) => endOf(e, cmd) !== undefined);
      const end = endOf(ev, cmd);
      assert.equal(end?.reason, 'recording_failed', JSON.stringify(end));
      assert.equal(end?.recording_error, 'disk_full');

      fs.fill(); // whatever the cut-back freed
      const refused = await srv.ssh(['echo should-not-run']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /this session cannot be recorded \(disk full\); it is refused/);
      assert.equal(String(refused.stdout), '');
      ev = await srv.waitForEvents((e) => endOf(e, 'echo should-not-run') !== undefined);
      const refusedEnd = endOf(ev, 'echo should-not-run');
      assert.equal(refusedEnd?.reason, 'recording_failed');
      assert.equal(refusedEnd?.recording_error, 'disk_full');
      const st = ev.find((x) => x.type === 'session.start' && x.command === 'echo should-not-run');
      assert.ok(!ev.some((x) => x.type === 'session.command' && x.session_id === st?.session_id));
    });
  });

  it('continue: sessions go on unrecorded, and session.end says the recording failed', async () => {
    await withFullableRecordings('continue', async (srv, fs) => {
      const cmd = `head -c ${BIG} /dev/zero; echo finished >&2`;
      const r = await srv.ssh([cmd]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, BIG);
      assert.match(r.stderr, /finished/);
      let ev = await srv.waitForEvents((e) => endOf(e, cmd) !== undefined);
      const end = endOf(ev, cmd);
      assert.equal(end?.exit_code, 0, JSON.stringify(end));
      assert.equal(end?.recording_error, 'disk_full');
      assert.equal(end?.reason, undefined);

      fs.fill();
      const next = await srv.ssh(['echo runs-anyway']);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(String(next.stdout), 'runs-anyway\n');
      ev = await srv.waitForEvents((e) => endOf(e, 'echo runs-anyway') !== undefined);
      assert.equal(endOf(ev, 'echo runs-anyway')?.recording_error, 'disk_full');
    });
  });
});
