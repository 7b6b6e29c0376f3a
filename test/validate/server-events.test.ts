/**
 * End to end: every event a real session produces (through the built server, driven by the real
 * OpenSSH client) validates against its schema, with contiguous per-session seq numbers.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shippedSchemas } from '../../core/events/schemas.js';
import { FullValidators, formatErrors } from '../../core/events/validators.js';
import { packageRoot } from '../../core/paths.js';
import { startServer } from '../helpers/server.js';

test('every event of real sessions (exec, pty shell, refused key) validates, with gap-free seq per session', async () => {
  const srv = await startServer();
  let stopped = false;
  try {
    const exec = await srv.ssh(['echo', 'hello']);
    assert.equal(exec.code, 0, exec.stderr);
    const shell = await srv.ssh([], { tty: true, input: 'ls / >/dev/null; exit 3\n' });
    assert.equal(shell.code, 3, shell.stderr);
    const stranger = srv.newKey('stranger');
    const refused = await srv.ssh(['true'], { identity: stranger });
    assert.equal(refused.code, 255);
    await srv.waitForEvents(
      (e) =>
        e.filter((x) => x.type === 'session.end').length >= 2 && e.some((x) => x.type === 'auth.failure'),
    );
    await srv.stop('SIGTERM', { keepDir: true });
    stopped = true;
    const file = join(srv.dataDir, 'events', 'audit.ndjson');
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string; schema: string });
    const full = new FullValidators(shippedSchemas());
    for (const ev of events) {
      const v = full.get(ev.schema);
      assert.ok(v, `${ev.type}: unknown schema ${ev.schema}`);
      assert.ok(v(ev), `${ev.type}: ${formatErrors(v.errors).join('; ')}\n${JSON.stringify(ev)}`);
    }
    assert.ok(
      !srv.logs().includes('invalid event dropped'),
      `the server emitted invalid events:\n${srv.logs()}`,
    );
    assert.ok(!events.some((e) => e.type === 'audit.loss'), 'nothing was lost');
    const types = new Set(events.map((e) => e.type));
    for (const t of ['auth.success', 'auth.failure', 'session.start', 'session.end'])
      assert.ok(types.has(t), `saw ${t}`);
    const bySession = new Map<string, number[]>();
    for (const e of events) {
      if (typeof e.session_id !== 'string') continue;
      bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e.seq as number]);
    }
    assert.ok(bySession.size >= 2);
    for (const [id, seqs] of bySession) {
      assert.deepEqual(
        seqs,
        Array.from({ length: seqs.length }, (_, i) => i + 1),
        `session ${id}: seq 1..n, no gap`,
      );
    }
    const cli = spawnSync(
      process.execPath,
      [join(packageRoot(), 'dist', 'core', 'cli', 'main.js'), 'validate', file],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  } finally {
    if (!stopped) await srv.stop();
    rmSync(srv.dir, { recursive: true, force: true });
  }
});

test('a configured server: two sinks (one filtered), metrics on /metrics reflect real sessions', async () => {
  const mine = mkdtempSync(join(tmpdir(), 'sshtrail-lifecycle-'));
  const lifecyclePath = join(mine, 'lifecycle.ndjson');
  const srv = await startServer({
    config: {
      sinks: [
        { type: 'file', name: 'local' },
        {
          type: 'file',
          name: 'lifecycle',
          path: lifecyclePath,
          filter: { types: ['session.start', 'session.end'] },
        },
      ],
      metrics: { listen: '127.0.0.1:0' },
    },
  });
  try {
    const r = await srv.ssh(['true']);
    assert.equal(r.code, 0, r.stderr);
    await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end'));
    const url = /metrics listening .*?url=(\S+)/.exec(srv.logs())?.[1];
    assert.ok(url, `metrics url in the logs:\n${srv.logs()}`);
    const body = await (await fetch(url)).text();
    assert.match(body, /^sshtrail_events_emitted_total\{type="session\.end"\} 1$/m);
    assert.match(body, /^sshtrail_sessions_active 0$/m);
    assert.match(body, /^sshtrail_sink_queue_capacity\{sink="lifecycle"\} 100000$/m);
    const lifecycle = readFileSync(lifecyclePath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { type: string }).type);
    assert.deepEqual(lifecycle, ['session.start', 'session.end']);
  } finally {
    await srv.stop();
    rmSync(mine, { recursive: true, force: true });
  }
});
