/**
 * A full disk under the real server (issue: "a full disk corrupts nothing"): the data dir is a
 * small tmpfs, filled to the last byte while the server runs and logins go on, then freed. What
 * remains must pass `sshtrail validate` (no half lines, no repeated seq), logins on the full disk
 * are refused with a session.end saying why (recording.on_failure: refuse), events are written
 * once space is back (or counted as audit.loss disk_full), and logins work again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { repoRoot, startServer } from '../helpers/server.js';
import { mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

test('a full data dir refuses unrecordable logins, loses nothing silently, corrupts nothing, and recovers', {
  skip: isRoot ? false : 'needs root: mounts a tmpfs',
}, async () => {
  let mounted: Tmpfs | undefined;
  const srv = await startServer({
    beforeStart: (dataDir) => {
      mounted = mountTmpfs(8 * 1024 * 1024, { at: dataDir, mode: 0o700 });
    },
  });
  const tmpfs = mounted as Tmpfs;
  try {
    const first = await srv.ssh(['echo', 'before']);
    assert.equal(first.code, 0, first.stderr);
    await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end'));

    tmpfs.fill();
    // Logins while the disk is full: refused or served, never hanging, never corrupting.
    for (let i = 0; i < 3; i++) await srv.ssh(['echo', `full-${i}`]);
    tmpfs.free();

    // Space is back: a login works and is recorded, and the gap is in the stream.
    let after = await srv.ssh(['echo', 'after']);
    for (let i = 0; i < 20 && after.code !== 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await srv.ssh(['echo', 'after']);
    }
    assert.equal(after.code, 0, after.stderr);
    assert.equal(String(after.stdout), 'after\n');
    // Until the last login's end is on file (and so all before it: the file sink keeps order);
    // events of the full-disk logins may have waited for the file sink's retry.
    const ev = await srv.waitForEvents((e) => {
      const last = e.find((x) => x.type === 'session.start' && x.command === 'echo after');
      return e.some(
        (x) => x.type === 'session.end' && x.session_id === last?.session_id && x.exit_code === 0,
      );
    });
    // The policy for a recording that cannot be written (recording.on_failure: refuse): each
    // login on the full disk got a session.start and a session.end saying why, none ran unrecorded.
    const full = ev.filter((x) => x.type === 'session.start' && /^echo full-/.test(String(x.command)));
    assert.equal(full.length, 3, JSON.stringify(ev));
    for (const st of full) {
      const end = ev.filter((x) => x.type === 'session.end' && x.session_id === st.session_id);
      assert.equal(end.length, 1);
      assert.equal(end[0]?.recording_error, 'disk_full', JSON.stringify(end[0]));
      assert.ok(!ev.some((x) => x.type === 'session.command' && x.session_id === st.session_id));
    }
    // Events written while the disk was full either arrive (written once space returned) or are
    // counted in an audit.loss disk_full: never silently gone.
    for (const l of ev.filter((x) => x.type === 'audit.loss')) assert.equal(l.reason, 'disk_full');
  } finally {
    await srv.stop(undefined, { keepDir: true });
    const file = join(srv.dataDir, 'events', 'audit.ndjson');
    const text = readFileSync(file, 'utf8');
    try {
      // Every line whole and valid, seq never repeated within a session.
      execFileSync(process.execPath, [join(repoRoot, 'dist', 'core', 'cli', 'main.js'), 'validate', file], {
        stdio: 'pipe',
      });
      assert.ok(text.endsWith('\n'));
    } finally {
      tmpfs.unmount();
      rmSync(join(srv.dataDir, '..'), { recursive: true, force: true });
    }
  }
});
