/**
 * One authenticated client opening 1000 session channels (issue 10, defect 9): the server's
 * limit refuses all but session.max_per_connection of them, and its log holds a bounded number
 * of "session refused" warnings plus one line counting the rest, not one warning per channel.
 * Driven by ssh2's client, which (unlike OpenSSH's) opens as many channels as it is asked to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { startServer } from '../helpers/server.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

const CHANNELS = 1000;

/** Opens one session channel running `command`; resolves with the channel, or undefined when refused. */
function open(conn: ssh2.Client, command: string): Promise<ssh2.ClientChannel | undefined> {
  return new Promise((resolve) => {
    conn.exec(command, (err, ch) => {
      if (err) return resolve(undefined);
      ch.resume();
      ch.stderr.resume();
      resolve(ch);
    });
  });
}

describe('a client opening 1000 channels', { timeout: 180_000 }, () => {
  it('writes a bounded number of warnings and a summary of the rest', async () => {
    const srv = await startServer({ config: { session: { max_per_connection: 10 } } });
    try {
      const opened = await withSsh2Client(srv, async (conn) => {
        // Every channel holds its slot (sleep) so that the others are refused, not queued.
        const chans = await Promise.all(Array.from({ length: CHANNELS }, () => open(conn, 'sleep 60')));
        return chans.filter((c) => c !== undefined).length;
      });
      assert.equal(opened, 10);
      // Stopping flushes what the limiter still counts.
      await srv.stop('SIGTERM', { keepDir: true });
      const lines = srv.logs().split('\n');
      const refused = lines.filter((l) => / WARN session refused: limit reached /.test(l));
      assert.ok(
        refused.length <= 10,
        `${refused.length} refusal warnings:\n${refused.slice(0, 20).join('\n')}`,
      );
      const summaries = lines.filter((l) =>
        / WARN suppressed \d+ similar lines: session refused: limit reached /.test(l),
      );
      assert.equal(summaries.length, 1, srv.logs());
      const suppressed = Number(/suppressed=(\d+)/.exec(summaries[0] as string)?.[1]);
      // Every refusal is either written or counted.
      assert.equal(refused.length + suppressed, CHANNELS - opened);
      const warnings = lines.filter((l) => / WARN /.test(l));
      assert.ok(warnings.length <= 20, `${warnings.length} WARN lines:\n${warnings.slice(0, 30).join('\n')}`);
    } finally {
      await srv.stop();
    }
  });
});
