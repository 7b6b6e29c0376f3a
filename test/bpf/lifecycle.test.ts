/**
 * A session's life through the hooks: what it daemonizes stays attributed and dies with it, its
 * last events arrive before finish() resolves, nothing is left behind, and the enabled/auto/off
 * decision.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type EnhancedRecording, startEnhancedRecording } from '../../bpf/index.js';
import { SshtrailError } from '../../core/errors.js';
import { silentLogger } from '../../core/log.js';
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('session lifecycle', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (bpfAvailable) rec = await startRecording(em);
  });
  after(async () => {
    await closeRecording(rec);
  });

  test('a daemonized process is attributed to its session and killed at finish, no cgroup left', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('daemon');
    const placed = await rec.hooks.prepare(s);
    const dir = placed.cgroupDir ?? '';
    await sh(dir, 'setsid nohup sleep 1000 >/dev/null 2>&1 < /dev/null &');
    // The session's shell has exited; the daemon lives on in the cgroup.
    await waitFor(
      () => em.commands(s.session_id).some((c) => c.argv.join(' ') === 'sleep 1000'),
      'the sleep exec',
    );
    const sleeper = em.commands(s.session_id).find((c) => c.argv.join(' ') === 'sleep 1000');
    const pid = sleeper?.fields.pid as number;
    assert.ok(alive(pid));
    assert.ok(readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').includes(String(pid)));
    assert.ok(hasSetsid(em.commands(s.session_id)));
    await rec.hooks.finish(s);
    assert.equal(existsSync(dir), false, 'the session cgroup is removed');
    // Killed and reaped by init by now, or a zombie at most: no longer running.
    await waitFor(() => !alive(pid) || zombie(pid), 'the daemon to die');
  });

  test('the events of a command run right before exit are in before finish() resolves', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    for (let i = 0; i < 5; i++) {
      const s = session('last');
      const placed = await rec.hooks.prepare(s);
      await sh(placed.cgroupDir, `/bin/echo last-words-${i} >/dev/null; exit 3`);
      await rec.hooks.finish(s); // no waiting in between: finish drains the rings
      assert.ok(
        em.commands(s.session_id).some((c) => c.argv.join(' ') === `/bin/echo last-words-${i}`),
        `round ${i}: ${JSON.stringify(em.commands(s.session_id))}`,
      );
    }
  });

  test('two channels of one session share its cgroup until the last one finishes', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    assert.ok(rec);
    const s = session('shared');
    const first = await rec.hooks.prepare(s);
    const second = await rec.hooks.prepare(s);
    assert.equal(first.cgroupDir, second.cgroupDir);
    await rec.hooks.finish(s);
    assert.ok(first.cgroupDir && existsSync(first.cgroupDir));
    await sh(first.cgroupDir, '/bin/echo still-watched');
    await rec.hooks.finish(s);
    assert.ok(first.cgroupDir && !existsSync(first.cgroupDir));
    assert.ok(em.commands(s.session_id).some((c) => c.argv.join(' ') === '/bin/echo still-watched'));
  });

  test('enabled=false is off; enabled=true without a usable cgroup v2 refuses; auto says why', async (t) => {
    const logger = silentLogger;
    const off = await startEnhancedRecording({
      config: { enabled: false },
      emitter: em,
      logger,
      dataDir: '/tmp',
    });
    assert.equal(off.enabled, false);
    assert.match(off.reason ?? '', /disabled/);
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const bad = { cgroup_mount: '/tmp', cgroup_root: 'x' }; // not a cgroup v2 mount
    await assert.rejects(
      startEnhancedRecording({ config: { ...bad, enabled: true }, emitter: em, logger, dataDir: '/tmp' }),
      (err: unknown) => err instanceof SshtrailError && err.code === 'SSHTRAIL_E_ENHANCED_UNAVAILABLE',
    );
    const auto = await startEnhancedRecording({
      config: { ...bad, enabled: 'auto' },
      emitter: em,
      logger,
      dataDir: '/tmp',
    });
    assert.equal(auto.enabled, false);
    assert.match(auto.reason ?? '', /cgroup/);
    assert.deepEqual(await auto.hooks.prepare(session()), {});
  });
});

function hasSetsid(cmds: { argv: string[] }[]): boolean {
  return cmds.some((c) => c.argv[0] === 'setsid');
}

function zombie(pid: number): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}
