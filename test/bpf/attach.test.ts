/**
 * The syscall exit programs (failed execs, opens) are attached only while sessions exist and
 * detached on a worker thread once none is left: a session that starts at any moment around that
 * detach still gets its failed execs and its opens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EnhancedRecording } from '../../bpf/index.js';
import { needs } from '../helpers/privileged.js';
import {
  bpfAvailable,
  bpfReason,
  closeRecording,
  RecordingEmitter,
  session,
  sh,
  startRecording,
} from './helpers.js';

describe('syscall programs attached while sessions exist', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (!bpfAvailable) return;
    rec = await startRecording(em, { events: ['command', 'disk'] }, { syscallsIdleMs: 20 });
  });
  after(async () => {
    await closeRecording(rec);
  });

  test('a session starting before, during or after the detach sees its failed execs and opens', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    // Detaching takes an RCU grace period (hundreds of ms here): these gaps start the next session
    // before the idle delay ends, while the detach runs, and once it is done.
    for (const gapMs of [0, 15, 25, 40, 100, 600]) {
      const first = session('attach');
      await rec.hooks.prepare(first);
      await rec.hooks.finish(first);
      await new Promise((r) => setTimeout(r, gapMs));
      const s = session('attach');
      const placed = await rec.hooks.prepare(s);
      await sh(
        placed.cgroupDir,
        '/nonexistent/sshtrail-attach 2>/dev/null; cat /etc/hostname >/dev/null; true',
      );
      await rec.hooks.finish(s);
      const failed = em
        .of('session.command', s.session_id)
        .filter((c) => c.path === '/nonexistent/sshtrail-attach' && (c.return_code as number) < 0);
      assert.ok(failed.length >= 1, `gap ${gapMs} ms: no failed exec event`);
      const opens = em.of('session.disk', s.session_id).filter((d) => d.path === '/etc/hostname');
      assert.equal(opens.length, 1, `gap ${gapMs} ms: opens of /etc/hostname`);
    }
    assert.deepEqual(em.invalid, []);
  });
});
