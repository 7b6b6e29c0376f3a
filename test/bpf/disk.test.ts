/**
 * session.disk from the real kernel (disk events are on request only).
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
  waitFor,
} from './helpers.js';

describe('disk capture', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (bpfAvailable) rec = await startRecording(em, { events: ['command', 'disk'] });
  });
  after(async () => {
    await closeRecording(rec);
  });

  test('cat /etc/hostname gives session.disk for /etc/hostname with O_RDONLY', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    await sh(placed.cgroupDir, 'cat /etc/hostname >/dev/null');
    await rec.hooks.finish(s);
    const opens = em.of('session.disk', s.session_id).filter((d) => d.path === '/etc/hostname');
    assert.equal(opens.length, 1, JSON.stringify(em.of('session.disk', s.session_id)));
    const d = opens[0] ?? {};
    assert.equal(d.program, 'cat');
    assert.deepEqual(d.flag_names, ['O_RDONLY']);
    assert.equal(d.flags, 0);
    assert.ok((d.return_code as number) >= 0);
    assert.equal(d.cgroup_id, Number(placed.cgroupId));
    assert.deepEqual(em.invalid, []);
  });

  test('a failed open and an O_CREAT|O_WRONLY|O_TRUNC redirect carry their errno and flags', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    const out = `/tmp/sshtrail-disk-${process.pid}`;
    await sh(placed.cgroupDir, `cat /nonexistent/file 2>/dev/null; echo hi > ${out}; rm -f ${out}`);
    await rec.hooks.finish(s);
    const disk = em.of('session.disk', s.session_id);
    const missing = disk.find((d) => d.path === '/nonexistent/file');
    assert.equal(missing?.return_code, -2);
    const created = disk.find((d) => d.path === out);
    assert.ok(created, JSON.stringify(disk));
    assert.deepEqual(created.flag_names, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
  });

  test('creat(2) and openat2(2) are reported too', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    const file = `/tmp/sshtrail-creat-${process.pid}`;
    // Raw syscalls (glibc's creat() is an openat): 85 = creat, 437 = openat2 with struct open_how.
    const perl = `my $f="${file}"; syscall(85, $f, 0644); my $how=pack("QQQ", 0x80000, 0, 0); my $h="/etc/hostname"; syscall(437, -100, $h, $how, 24);`;
    await sh(placed.cgroupDir, `perl -e '${perl}'; rm -f ${file}`);
    await rec.hooks.finish(s);
    const disk = em.of('session.disk', s.session_id);
    const creat = disk.find((d) => d.path === file);
    assert.ok(creat, JSON.stringify(disk));
    assert.deepEqual(creat.flag_names, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
    assert.equal(creat.program, 'perl');
    const openat2 = disk.find((d) => d.path === '/etc/hostname' && d.program === 'perl');
    assert.ok(openat2, JSON.stringify(disk));
    assert.deepEqual(openat2.flag_names, ['O_RDONLY', 'O_CLOEXEC']);
    assert.ok((openat2.return_code as number) >= 0);
  });

  test('thousands of opens span several batches and each arrives once, intact', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const lostBefore = rec.stats()?.lost.disk ?? 0;
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    // ~1.2 MB of records: more than one batch (batches stop at 1 MiB and at every wake-up), all
    // decoded from the one area the addon reuses; well below the ring's size, so nothing is lost.
    const n = 12_000;
    await sh(placed.cgroupDir, `for i in $(seq ${n}); do : < /nonexistent/sshtrail-$i; done 2>/dev/null`);
    await rec.hooks.finish(s);
    assert.equal((rec.stats()?.lost.disk ?? 0) - lostBefore, 0);
    const seen = new Map<string, number>();
    for (const d of em.of('session.disk', s.session_id)) {
      const path = String(d.path);
      if (!path.startsWith('/nonexistent/')) continue;
      assert.match(path, /^\/nonexistent\/sshtrail-[1-9][0-9]*$/);
      assert.equal(d.return_code, -2);
      assert.equal(d.program, 'bash');
      seen.set(path, (seen.get(path) ?? 0) + 1);
    }
    assert.equal(seen.size, n);
    assert.ok([...seen.values()].every((c) => c === 1));
    assert.deepEqual(em.invalid, []);
  });

  test('a relative path is resolved against the process cwd while the process lives', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    // bash opens "hostname" relative to /etc, then becomes a sleep that lives until finish().
    const running = sh(placed.cgroupDir, 'cd /etc && exec 3<hostname && exec sleep 1000');
    await waitFor(
      () => em.of('session.disk', s.session_id).some((d) => d.path === '/etc/hostname'),
      'the open',
    );
    await rec.hooks.finish(s);
    await running;
  });

  test('a relative open is resolved against the cwd at the syscall, not the one after a later chdir', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    // The process then lives on in /tmp, long enough for the decoder to see it there; an openat
    // relative to a directory fd (closed at once) too.
    const script = [
      'import os, time',
      "os.chdir('/etc')",
      "open('hostname').close()",
      "d = os.open('/usr/share', os.O_RDONLY | os.O_DIRECTORY)",
      "os.chdir('/tmp')",
      "os.close(os.open('../etc/./hostname', os.O_RDONLY))",
      "os.close(os.open('common-licenses/GPL-3', os.O_RDONLY, dir_fd=d))",
      'os.close(d)',
      'time.sleep(0.3)',
    ].join('\n');
    await sh(placed.cgroupDir, `exec /usr/bin/python3 -c "${script}"`);
    await rec.hooks.finish(s);
    const opens = em
      .of('session.disk', s.session_id)
      .filter((d) => d.program === 'python3')
      .map((d) => String(d.path));
    assert.equal(opens.filter((p) => p === '/etc/hostname').length, 2, JSON.stringify(opens));
    assert.ok(opens.includes('/usr/share/common-licenses/GPL-3'), JSON.stringify(opens));
    assert.ok(!opens.includes('/tmp/hostname'), JSON.stringify(opens));
    assert.deepEqual(em.invalid, []);
  });

  test('paths under disk_exclude_prefixes are dropped and counted', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const before = rec.stats()?.excluded ?? 0;
    const s = session('disk');
    const placed = await rec.hooks.prepare(s);
    await sh(placed.cgroupDir, 'cat /proc/self/status /etc/hostname >/dev/null');
    await rec.hooks.finish(s);
    const paths = em.of('session.disk', s.session_id).map((d) => String(d.path));
    assert.ok(paths.includes('/etc/hostname'));
    assert.ok(
      !paths.some((p) => p.startsWith('/proc/') || p.startsWith('/usr/lib/') || p.startsWith('/lib/')),
    );
    // At least /proc/self/status and the dynamic loader's library opens.
    assert.ok((rec.stats()?.excluded ?? 0) - before >= 2);
  });
});
