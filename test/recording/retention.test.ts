/**
 * recording.retention (issue 13, "Disk full and retention"): past max_total_bytes the oldest
 * ended recordings are removed first, past max_age_days the old ones, never a live session's,
 * each with a recording.removed event. Real sessions through OpenSSH; a recording's age is made
 * by setting its files' times back (what waiting days would do).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AuditEmitter } from '../../core/events/emitter.js';
import { silentLogger } from '../../core/log.js';
import { sweepRecordings } from '../../core/recording/retention.js';
import { openSession } from '../helpers/live-session.js';
import { type EventRecord, startServer } from '../helpers/server.js';

const KiB = 1024;

test('retention removes the oldest ended recordings past max_total_bytes and the old ones past max_age_days, never a live one', {
  timeout: 180_000,
}, async () => {
  const srv = await startServer({
    config: {
      recording: {
        retention: { max_total_bytes: 700 * KiB, max_age_days: 30, check_interval: 1 },
      },
    },
  });
  try {
    const recordings = join(srv.dataDir, 'recordings');
    // A live session first: the oldest recording, over the limits later on, and kept.
    const live = await openSession(srv);
    await live.run(`head -c ${64 * KiB} /dev/urandom | base64 -w0`);
    const started = (cmd: string) =>
      srv.waitForEvents((e) => e.some((x) => x.type === 'session.start' && x.command === cmd));
    const idOf = (ev: EventRecord[], cmd: string) =>
      String(ev.find((x) => x.type === 'session.start' && x.command === cmd)?.session_id);
    const liveId = idOf(await started('exec bash 2>&1'), 'exec bash 2>&1');

    // Three ended sessions of 256 KiB each: after the third, all take more than 700 KiB (each is a little over 256 KiB on disk, the live one about 90).
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const cmd = `head -c ${256 * KiB} /dev/zero; exit ${n}`;
      const r = await srv.ssh([cmd]);
      assert.equal(r.code, n, r.stderr);
      const ev = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end' && x.exit_code === n));
      ids.push(idOf(ev, cmd));
    }
    const removedEvents = (e: EventRecord[]) => e.filter((x) => x.type === 'recording.removed');
    // The first of them goes (the live one is older, and stays); then all fit.
    let ev = await srv.waitForEvents((e) => removedEvents(e).length >= 1);
    let removed = removedEvents(ev);
    assert.equal(removed.length, 1, JSON.stringify(removed));
    assert.equal(removed[0]?.recorded_session_id, ids[0]);
    assert.equal(removed[0]?.reason, 'size');
    assert.ok(Number(removed[0]?.bytes) >= 256 * KiB, JSON.stringify(removed[0]));
    assert.equal(removed[0]?.path, join(recordings, `${ids[0]}.raw`));
    assert.ok(!existsSync(join(recordings, `${ids[0]}.raw`)));
    for (const id of [liveId, ids[1], ids[2]]) assert.ok(existsSync(join(recordings, `${id}.raw`)), id);

    // 40 days old: the second ended one goes for its age; the live one, as old, stays.
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const id of [ids[1], liveId]) {
      const dir = join(recordings, `${id}.raw`);
      for (const f of readdirSync(dir)) utimesSync(join(dir, f), old, old);
      utimesSync(dir, old, old);
    }
    ev = await srv.waitForEvents((e) => removedEvents(e).length >= 2);
    removed = removedEvents(ev);
    assert.equal(removed[1]?.recorded_session_id, ids[1]);
    assert.equal(removed[1]?.reason, 'age');
    assert.ok(Number(removed[1]?.age_s) > 30 * 86_400, JSON.stringify(removed[1]));
    // The sweep that removed it saw the live one as old too (both were set back before it).
    assert.equal(await live.run('echo still'), 'still\n');
    assert.ok(existsSync(join(recordings, `${liveId}.raw`)));
    assert.ok(existsSync(join(recordings, `${ids[2]}.raw`)));
    assert.equal(removedEvents(srv.readEvents()).length, 2);
    assert.equal(await live.end(), 0);
  } finally {
    await srv.stop();
  }
});

test("a PTY recording goes whole: its .cast, the .cast's hash chain and its .raw/ directory", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-retention-'));
  try {
    const recordings = join(dir, 'recordings');
    mkdirSync(join(recordings, 'old.raw'), { recursive: true });
    writeFileSync(join(recordings, 'old.raw', 'stdout'), 'x');
    writeFileSync(join(recordings, 'old.cast'), '{}\n');
    writeFileSync(join(recordings, 'old.cast.chain'), '{}\n');
    writeFileSync(join(recordings, 'new.cast'), '{}\n');
    writeFileSync(join(recordings, 'new.cast.chain'), '{}\n');
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (const f of ['old.raw/stdout', 'old.raw', 'old.cast', 'old.cast.chain'])
      utimesSync(join(recordings, f), old, old);
    const removed: unknown[] = [];
    const emitter: AuditEmitter = {
      emit: (_t: string, fields: unknown) => void removed.push(fields),
    };
    const n = sweepRecordings(
      { recordingsDir: recordings, liveNotesDir: join(dir, 'sessions'), emitter, log: silentLogger },
      { max_age_days: 30, check_interval: 60 },
    );
    assert.equal(n, 1);
    assert.deepEqual(readdirSync(recordings).sort(), ['new.cast', 'new.cast.chain']);
    assert.equal(removed.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
