/**
 * Forwarding requests no real client sends, as ssh2's client writes them on the wire: ports the
 * protocol's uint32 puts out of range, and a 5000-character host. Each is refused at once, and
 * each refusal is a valid session.forward event (before the fix an out-of-range port made an
 * event that failed its own schema and was dropped: found by the fuzz test, seed 2474317972).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { isRoot, needs } from '../helpers/privileged.js';
import { startServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

const refusedOrError = (run: (cb: (err: Error | undefined) => void) => void) =>
  new Promise<string>((resolve) => {
    run((err) => resolve(err ? err.message : 'accepted'));
  });

describe('hostile forwarding requests', { timeout: 120_000 }, () => {
  it('out-of-range ports and an oversized host are refused, each with a valid event', async (t) => {
    if (!needs(t, isRoot, 'needs root (forwards run as the login through the launcher)')) return;
    const srv = await startServer();
    try {
      await withSsh2Client(srv, async (conn: ssh2.Client) => {
        const listen = await refusedOrError((cb) => conn.forwardIn('127.0.0.1', 70000, (err) => cb(err)));
        assert.notEqual(listen, 'accepted');
        const open = await refusedOrError((cb) =>
          conn.forwardOut('127.0.0.1', 99999, '127.0.0.1', 80000, (err) => cb(err)),
        );
        assert.notEqual(open, 'accepted');
        const longHost = await refusedOrError((cb) =>
          conn.forwardOut('127.0.0.1', 1, 'h'.repeat(5000), 1, (err) => cb(err)),
        );
        assert.notEqual(longHost, 'accepted');
      });
      const ev = await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.forward').length >= 3);
      const fw = ev.filter((x) => x.type === 'session.forward');
      for (const f of fw) assert.notEqual(f.result, 'ok', JSON.stringify(f));
      assert.ok(fw.some((f) => f.direction === 'remote' && f.listen_port === undefined));
      assert.ok(
        fw.some((f) => typeof f.target_host === 'string' && (f.target_host as string).length === 1024),
      );
      assert.doesNotMatch(srv.logs(), /invalid event dropped/);
      const v = validateAuditFile(srv.dataDir);
      assert.equal(v.code, 0, v.output);
    } finally {
      await srv.stop();
    }
  });
});
