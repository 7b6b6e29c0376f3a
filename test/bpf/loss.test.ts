/**
 * Ring-full loss: a session that opens files faster than a small ring drains gets audit.loss
 * (source bpf:disk, reason ring_full) in its own stream, with counts equal to the kernel's
 * counter, and recording goes on for other sessions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { EnhancedRecording } from '../../bpf/index.js';
import { needs } from '../helpers/privileged.js';
import {
  bpfAvailable,
  bpfReason,
  closeRecording,
  launcher,
  RecordingEmitter,
  session,
  sh,
  startRecording,
  workload,
} from './helpers.js';

const OPENS = 300_000;

describe('ring_full loss', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (bpfAvailable) {
      rec = await startRecording(em, {
        events: ['command', 'disk'],
        ring_buffer_bytes: 65536,
        disk_exclude_prefixes: [],
      });
    }
  });
  after(async () => {
    await closeRecording(rec);
  });

  test('a flood of opens is counted as audit.loss matching the kernel counter', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('flood');
    const placed = await rec.hooks.prepare(s);
    // spawnSync blocks this event loop, so nothing drains the ring during the flood: it fills.
    // Each path once: repeats of one path would be counted in the kernel, not sent (disk.bpf.h).
    const prefix = `/nonexistent/sshtrail-flood-${process.pid}-`;
    const res = spawnSync(
      launcher,
      ['--cgroup', placed.cgroupDir ?? '', '--', workload, 'open-many', String(OPENS), prefix],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(res.status, 0, res.stderr);
    await rec.hooks.finish(s);

    const stats = rec.stats();
    assert.ok(stats);
    const losses = em.of('audit.loss', s.session_id);
    assert.ok(losses.length >= 1, 'no audit.loss');
    for (const l of losses) {
      assert.equal(l.source, 'bpf:disk');
      assert.equal(l.reason, 'ring_full');
    }
    const reported = losses.reduce((n, l) => n + (l.count as number), 0);
    assert.ok(reported > 0);
    assert.equal(reported, stats.lost.disk, 'audit.loss counts = the per-CPU kernel counter');
    const seen = em.of('session.disk', s.session_id).filter((d) => String(d.path).startsWith(prefix)).length;
    assert.ok(seen > 0 && seen < OPENS, `seen ${seen}`);
    // Every open was either delivered or counted lost (the loader's few opens may be either).
    assert.ok(seen + reported >= OPENS, `seen ${seen} + lost ${reported} < ${OPENS}`);
    assert.deepEqual(em.invalid, []);
  });

  test('after a flood, the next session is recorded in full', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('after');
    const placed = await rec.hooks.prepare(s);
    await sh(placed.cgroupDir, 'cat /etc/hostname >/dev/null; /bin/echo fine >/dev/null');
    await rec.hooks.finish(s);
    assert.ok(em.commands(s.session_id).some((c) => c.argv.join(' ') === '/bin/echo fine'));
    assert.ok(em.of('session.disk', s.session_id).some((d) => d.path === '/etc/hostname'));
    assert.deepEqual(em.of('audit.loss', s.session_id), []);
  });
});
