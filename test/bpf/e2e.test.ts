/**
 * Enhanced recording end to end: the real built server (`sshtrail serve`), the real OpenSSH
 * client, the real kernel, events read back from the file sink (audit.ndjson).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findCgroup2Mount } from '../../core/cgroup/index.js';
import { needs } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { bpfAvailable, bpfReason, running, testRoot, waitFor } from './helpers.js';

const ofSession = (events: EventRecord[], sid: unknown) => events.filter((e) => e.session_id === sid);
const ended = (events: EventRecord[], sid: unknown) =>
  events.some((e) => e.type === 'session.end' && e.session_id === sid);

describe('enhanced recording through the server', { timeout: 180_000 }, () => {
  let srv: TestServer | undefined;
  let enabled = false;
  let listener: Server;
  const root = testRoot();

  before(async () => {
    listener = createServer((s) => s.end());
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    if (!bpfAvailable) return;
    srv = await startServer({
      config: {
        enhanced_recording: { enabled: 'auto', events: ['command', 'network'], cgroup_root: root },
        // The daemon test below is about the strict policy (keep: test/session/on-end.test.ts).
        session: { on_end: 'kill' },
      },
    });
    enabled = /enhanced recording on/.test(srv.logs());
  });
  after(async () => {
    await srv?.stop();
    listener.close();
  });

  /** Runs one ssh command and returns the events of its session once session.end is written. */
  async function session(command: string): Promise<EventRecord[]> {
    assert.ok(srv);
    const before = new Set(srv.readEvents().map((e) => e.session_id));
    const res = await srv.ssh([command]);
    assert.equal(res.signal, null, res.stderr);
    const all = await srv.waitForEvents((ev) =>
      ev.some((e) => e.type === 'session.end' && !before.has(e.session_id)),
    );
    const end = all.find((e) => e.type === 'session.end' && !before.has(e.session_id));
    return ofSession(all, end?.session_id);
  }

  test("ssh host 'ls -la /tmp' gives session.command for ls, before session.end", async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    if (!needs(t, enabled, `the server did not turn enhanced recording on: ${srv?.logs().slice(-500)}`))
      return;
    const events = await session('ls -la /tmp >/dev/null');
    const types = events.map((e) => e.type);
    const start = events.find((e) => e.type === 'session.start');
    assert.ok(typeof start?.cgroup_id === 'number', 'session.start carries the cgroup id');
    const ls = events.find((e) => e.type === 'session.command' && (e.argv as string[])[0] === 'ls');
    assert.ok(ls, JSON.stringify(events));
    assert.deepEqual(ls.argv, ['ls', '-la', '/tmp']);
    assert.equal(ls.cgroup_id, start?.cgroup_id);
    assert.equal(ls.login, srv?.login);
    assert.ok(types.indexOf('session.command') < types.indexOf('session.end'));
    assert.equal(types.at(-1), 'session.end');
    // seq is gap-free within the session, the kernel's events included.
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => (events[0]?.seq as number) + i),
    );
  });

  test('an obfuscated command and a connect are seen; the last command before exit precedes session.end', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    if (!needs(t, enabled, 'the server did not turn enhanced recording on')) return;
    const port = (listener.address() as AddressInfo).port;
    const events = await session(
      `eval "$(echo bHMgLWxh | base64 -d)" >/dev/null; exec 3<>/dev/tcp/127.0.0.1/${port}; /bin/echo bye; exit 0`,
    );
    const argvs = events
      .filter((e) => e.type === 'session.command')
      .map((e) => (e.argv as string[]).join(' '));
    assert.ok(argvs.includes('ls -la'), JSON.stringify(argvs));
    const net = events.find((e) => e.type === 'session.network');
    assert.equal(net?.dst_port, port);
    assert.equal(net?.return_code, 0);
    const types = events.map((e) => e.type);
    const bye = events.findIndex(
      (e) => e.type === 'session.command' && (e.argv as string[]).join(' ') === '/bin/echo bye',
    );
    assert.ok(bye >= 0 && bye < types.indexOf('session.end'));
  });

  test("event times are the syscalls' own: an exec, its connect and the next exec are in the order they ran", async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    if (!needs(t, enabled, 'the server did not turn enhanced recording on')) return;
    const port = (listener.address() as AddressInfo).port;
    // Each round: sh execs python3, which connects, then execs `true` at once: the connect and the
    // second exec land in different rings within microseconds, read in whichever order.
    const py = join(mkdtempSync(join(tmpdir(), 'sshtrail-order-')), 'connect.py');
    writeFileSync(
      py,
      `import socket, os\nsocket.create_connection(("127.0.0.1", ${port}))\nos.execv("/bin/true", ["true", str(os.getpid())])\n`,
    );
    chmodSync(dirname(py), 0o755);
    const events = await session(`for i in 1 2 3; do sh -c 'exec /usr/bin/python3 ${py}'; done`);
    rmSync(dirname(py), { recursive: true, force: true });
    const time = (e: EventRecord | undefined) => String(e?.time);
    const rounds = events.filter((e) => e.type === 'session.command' && (e.argv as string[])[0] === 'true');
    assert.equal(rounds.length, 3, JSON.stringify(events));
    for (const last of rounds) {
      const pid = last.pid;
      const python = events.find(
        (e) =>
          e.type === 'session.command' && e.pid === pid && (e.argv as string[])[0] === '/usr/bin/python3',
      );
      const connect = events.find(
        (e) => e.type === 'session.network' && e.pid === pid && e.dst_port === port,
      );
      assert.ok(python && connect, JSON.stringify(events));
      // RFC 3339 with nanoseconds, fixed width: ordered as strings.
      assert.ok(time(python) < time(connect), `exec ${time(python)} before connect ${time(connect)}`);
      assert.ok(time(connect) < time(last), `connect ${time(connect)} before the next exec ${time(last)}`);
    }
  });

  test('a daemon left by a session is killed when it ends (on_end kill), and listed; its cgroup is gone', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    if (!needs(t, enabled, 'the server did not turn enhanced recording on')) return;
    // The session waits until the daemon runs `sleep` (the same pid: setsid need not fork here).
    const events = await session(
      'setsid nohup sleep 1000 >/dev/null 2>&1 </dev/null & p=$!; until read -r c </proc/$p/comm && [ "$c" = sleep ]; do :; done',
    );
    const sleeper = events.find(
      (e) => e.type === 'session.command' && (e.argv as string[]).join(' ') === 'sleep 1000',
    );
    assert.ok(sleeper, JSON.stringify(events));
    assert.ok(ended(events, sleeper.session_id));
    const end = events.find((e) => e.type === 'session.end' && e.session_id === sleeper.session_id);
    assert.ok(
      (end?.killed as { pid: number }[] | undefined)?.some((k) => k.pid === sleeper.pid),
      JSON.stringify(end),
    );
    await waitFor(() => !running(sleeper.pid as number), 'the daemon to be gone');
    assert.equal(existsSync(join(findCgroup2Mount() ?? '', root, String(sleeper.session_id))), false);
  });
});
