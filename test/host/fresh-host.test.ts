/**
 * A fresh host is the test: the server runs in a private mount namespace from which what a
 * minimal VM or container host lacks has been removed (tracefs; every cgroup2 mount, leaving a
 * cgroup v1-only view), with `enhanced_recording.enabled: true`. It must mount what the kernel
 * capture needs itself, say so in one log line each, and still report a real session's commands.
 * Nothing here changes the host's own mounts: the unmounts happen in the private namespace only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { bpfAvailable, bpfReason } from '../bpf/helpers.js';
import { needs } from '../helpers/privileged.js';
import { type EventRecord, startServer } from '../helpers/server.js';

const hasUnshare = (() => {
  try {
    execFileSync('unshare', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * A wrapper that makes the server's mount namespace private and unmounts, in it, tracefs and
 * debugfs (and with `cgroup2` every cgroup2 mount), then execs the server.
 */
function bareHost(opts: { cgroup2: boolean; userns?: boolean }): string[] {
  const script = [
    'set -e',
    'for m in /sys/kernel/debug/tracing /sys/kernel/debug /sys/kernel/tracing; do',
    '  while mountpoint -q "$m"; do umount -l "$m"; done',
    'done',
    opts.cgroup2
      ? 'for m in $(awk \'$9 == "cgroup2" { print $5 }\' /proc/self/mountinfo); do umount -l "$m"; done'
      : 'true',
    'if [ -e /sys/kernel/tracing/events ]; then echo "tracefs still visible" >&2; exit 99; fi',
    // In a user namespace root has no CAP_SYS_ADMIN over the host's mounts: mounting tracefs fails.
    opts.userns ? 'exec unshare --user --map-root-user -- "$@"' : 'exec "$@"',
  ].join('\n');
  return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh'];
}

const commandWith = (marker: string) => (events: EventRecord[]) =>
  events.some(
    (e) => e.type === 'session.command' && Array.isArray(e.argv) && (e.argv as unknown[]).includes(marker),
  );

describe('fresh host: the server mounts what the kernel capture needs', { timeout: 120_000 }, () => {
  for (const c of [
    { name: 'tracefs unmounted', cgroup2: false },
    { name: 'tracefs unmounted and cgroup v1 only', cgroup2: true },
  ]) {
    it(`${c.name}: enhanced recording starts and a session's command is captured`, async (t) => {
      if (!needs(t, bpfAvailable, bpfReason)) return;
      if (!needs(t, hasUnshare, 'needs unshare(1) from util-linux')) return;
      const srv = await startServer({
        wrap: bareHost({ cgroup2: c.cgroup2 }),
        config: { enhanced_recording: { enabled: true, events: ['command'] } },
      });
      try {
        const marker = `fresh-host-${process.pid}-${c.cgroup2 ? 'v1' : 'v2'}`;
        const r = await srv.ssh(['/bin/echo', marker]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString().trim(), marker);
        const events = await srv.waitForEvents(commandWith(marker));
        const cmd = events.find((e) => commandWith(marker)([e]));
        assert.match(String(cmd?.path), /echo$/);
        assert.match(srv.logs(), /mounted tracefs/);
        if (c.cgroup2) assert.match(srv.logs(), /mounted a private cgroup v2 hierarchy/);
        else assert.doesNotMatch(srv.logs(), /private cgroup v2/);
      } finally {
        await srv.stop();
      }
    });
  }

  it('where it cannot mount tracefs, enabled: true stops the server naming the cause and the fix', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    if (!needs(t, hasUnshare, 'needs unshare(1) from util-linux')) return;
    await assert.rejects(
      startServer({
        wrap: bareHost({ cgroup2: false, userns: true }),
        config: { enhanced_recording: { enabled: true, events: ['command'] } },
      }),
      (err: Error) => {
        assert.match(err.message, /cannot mount tracefs at \/sys\/kernel\/tracing: not permitted/);
        assert.match(err.message, /fix: mount -t tracefs tracefs \/sys\/kernel\/tracing/);
        return true;
      },
    );
  });
});
