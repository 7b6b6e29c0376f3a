/**
 * Attribution: only processes in a session's cgroup are reported, each in its own session's
 * stream, whatever runs on the host at the same time.
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

/** Each run execs /bin/echo with a marker a number of times, and opens a marker path. */
const script = (marker: string) =>
  `for i in 1 2 3 4 5 6 7 8 9 10; do /bin/echo ${marker} $i >/dev/null; cat /nonexistent-${marker} 2>/dev/null; done`;

describe('isolation', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (bpfAvailable) rec = await startRecording(em, { events: ['command', 'disk', 'network'] });
  });
  after(async () => {
    await closeRecording(rec);
  });

  test('two concurrent sessions get exactly their own events; the same commands outside get none', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const a = session('iso-a');
    const b = session('iso-b');
    const pa = await rec.hooks.prepare(a);
    const pb = await rec.hooks.prepare(b);
    await Promise.all([
      sh(pa.cgroupDir, script('alpha')),
      sh(pb.cgroupDir, script('bravo')),
      sh(undefined, script('outside')),
      sh(undefined, script('outside')),
    ]);
    await rec.hooks.finish(a);
    await rec.hooks.finish(b);

    const text = (sid: string) =>
      em.events.filter((e) => e.context?.session_id === sid).map((e) => JSON.stringify(e.fields));
    const echoes = (sid: string, marker: string) =>
      em.commands(sid).filter((c) => c.argv[0] === '/bin/echo' && c.argv[1] === marker).length;
    assert.equal(echoes(a.session_id, 'alpha'), 10);
    assert.equal(echoes(b.session_id, 'bravo'), 10);
    assert.equal(
      em.of('session.disk', a.session_id).filter((d) => d.path === '/nonexistent-alpha').length,
      10,
    );
    assert.ok(!text(a.session_id).some((l) => l.includes('bravo') || l.includes('outside')));
    assert.ok(!text(b.session_id).some((l) => l.includes('alpha') || l.includes('outside')));
    assert.ok(
      !em.events.some((e) => JSON.stringify(e).includes('outside')),
      'an event from outside any session',
    );
    for (const e of em.events.filter((x) => x.type.startsWith('session.'))) {
      const expected = e.context?.session_id === a.session_id ? pa.cgroupId : pb.cgroupId;
      assert.equal(e.fields.cgroup_id, Number(expected));
    }
    assert.equal(rec.stats()?.unattributed, 0);
    assert.deepEqual(em.invalid, []);
  });
});
