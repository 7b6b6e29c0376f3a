import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordedOutput, recordingEnd } from '../helpers/recording.js';
import { startServer } from '../helpers/server.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

describe('server lifecycle', () => {
  it('serves 20 concurrent sessions', async () => {
    const srv = await startServer();
    try {
      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => srv.ssh([`sleep 1; echo session-${i}`], { timeoutMs: 90_000 })),
      );
      runs.forEach((r, i) => {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), `session-${i}\n`);
      });
      const ev = await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length === 20);
      assert.equal(ev.filter((x) => x.type === 'session.start').length, 20);
    } finally {
      await srv.stop();
    }
  });

  it('on SIGTERM ends live sessions, flushes recordings and events, and exits 0', async () => {
    const srv = await startServer({ config: { session: { shutdown_grace: 1 } } });
    try {
      const live = [srv.ssh(['echo started; sleep 60'], { tty: true }), srv.ssh(['echo started; sleep 60'])];
      await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.start').length === 2);
      // Output reached the recording before the shutdown.
      await new Promise((r) => setTimeout(r, 300));
      const stopped = await srv.stop('SIGTERM', { keepDir: true });
      assert.equal(stopped.code, 0, srv.logs());
      const results = await Promise.all(live);
      for (const r of results) assert.match(r.stdout.toString(), /started/);
      const ev = srv.readEvents();
      const ends = ev.filter((x) => x.type === 'session.end');
      assert.equal(ends.length, 2);
      for (const end of ends) {
        assert.equal(end.signal, 'HUP');
        assert.match(recordedOutput(String(end.recording)), /started/);
        assert.equal(recordingEnd(String(end.recording)), 'signal=HUP');
      }
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(srv.dir, { recursive: true, force: true });
    }
  });

  it('closes a connection idle for longer than session.idle_timeout', async () => {
    const srv = await startServer({ config: { session: { idle_timeout: 1 } } });
    try {
      const r = await srv.ssh(['sleep 30; echo never'], { timeoutMs: 60_000 });
      assert.equal(r.code, 255);
      assert.equal(r.stdout.toString(), '');
      assert.match(srv.logs(), /idle timeout/);
    } finally {
      await srv.stop();
    }
  });

  it('refuses sessions past session.max_per_connection', async () => {
    const srv = await startServer({ config: { session: { max_per_connection: 1 } } });
    try {
      const outcome = await withSsh2Client(srv, (conn) => {
        const open = () =>
          new Promise<string>((res) =>
            conn.exec('sleep 2', { env: { SHLVL: '1' } }, (err, ch) => {
              if (err) return res('refused');
              ch.on('close', () => res('ran')).resume();
            }),
          );
        return Promise.all([open(), open()]);
      });
      assert.deepEqual(outcome.sort(), ['ran', 'refused']);
    } finally {
      await srv.stop();
    }
  });
});
