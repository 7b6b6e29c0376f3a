/**
 * Repeated opens counted in the kernel (bpf/disk.bpf.h): one process opening one path thousands
 * of times gives a few session.disk events whose counts add up to exactly what it did, and opens
 * that differ in flags or result are counted apart.
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
  run,
  session,
  startRecording,
  workload,
} from './helpers.js';

/** Opens each event stands for: 1 without `count`, else `count`. */
const opens = (events: Record<string, unknown>[]) =>
  events.reduce((n, d) => n + (typeof d.count === 'number' ? d.count : 1), 0);

describe('repeated opens', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (bpfAvailable) rec = await startRecording(em, { events: ['command', 'disk'] });
  });
  after(async () => {
    await closeRecording(rec);
  });

  test('N opens of one path by one process add up to exactly N, per flags and result', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const n = 20_000;
    const missing = `/nonexistent/sshtrail-agg-${process.pid}`;
    const s = session('agg');
    const placed = await rec.hooks.prepare(s);
    // Per flag set, from one process: read-only, read-write (another flags value), and read-only
    // left open (each open a new fd number: another result every time, so nothing to count).
    const r1 = await run(placed.cgroupDir, [workload, 'opens', String(n), '/etc/hostname', 'ro', 'rw']);
    const r2 = await run(placed.cgroupDir, [workload, 'opens', '300', '/etc/hostname', 'ro-keep']);
    const r3 = await run(placed.cgroupDir, [workload, 'opens', String(n), missing, 'ro']);
    assert.deepEqual([r1.code, r2.code, r3.code], [0, 0, 0], r1.stderr + r2.stderr + r3.stderr);
    await rec.hooks.finish(s);
    assert.deepEqual(rec.stats()?.lost.disk, 0);
    assert.deepEqual(em.invalid, []);

    const disk = em.of('session.disk', s.session_id).filter((d) => d.program === 'sshtrail-bench-');
    const of = (path: string, flags: string, ret: (r: number) => boolean, pid?: number) =>
      disk.filter(
        (d) =>
          d.path === path &&
          (d.flag_names as string[]).join('|') === flags &&
          ret(d.return_code as number) &&
          (pid === undefined || d.pid === pid),
      );
    const pids = [...new Set(disk.map((d) => d.pid as number))];
    assert.equal(pids.length, 3, JSON.stringify(pids));
    const [p1, p2, p3] = pids;
    const ro = of('/etc/hostname', 'O_RDONLY|O_CLOEXEC', (r) => r >= 0, p1);
    const rw = of('/etc/hostname', 'O_RDWR|O_CLOEXEC', (r) => r >= 0, p1);
    assert.equal(opens(ro), n);
    assert.equal(opens(rw), n);
    // Counted, not sent one by one: the first open of each on its own, the rest as counts.
    for (const group of [ro, rw]) {
      assert.ok(group.length < 100, `${group.length} events for ${n} opens`);
      assert.equal(group[0]?.count, undefined);
      assert.ok(group.slice(1).every((d) => (d.count as number) >= 1 && typeof d.last_time === 'string'));
      // One fd number the whole loop long (opened, closed, reopened): one key.
      assert.equal(new Set(group.map((d) => d.return_code)).size, 1);
    }
    // Left open: each open has its own fd, so its own event, none counted.
    const kept = of('/etc/hostname', 'O_RDONLY|O_CLOEXEC', (r) => r >= 0, p2);
    assert.equal(kept.length, 300);
    assert.equal(new Set(kept.map((d) => d.return_code)).size, 300);
    assert.ok(kept.every((d) => d.count === undefined));
    // Failures are counted by their errno, apart from the successes.
    const failed = of(missing, 'O_RDONLY|O_CLOEXEC', (r) => r === -2, p3);
    assert.equal(opens(failed), n);
    assert.ok(failed.length < 100);
    assert.equal(opens(disk.filter((d) => d.path === missing)), n);
  });
});
