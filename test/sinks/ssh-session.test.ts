/**
 * A SIEM sink that is down never holds up SSH sessions: the real server, the real OpenSSH client,
 * an Elasticsearch sink pointing at a port that refuses. Commands complete and the file sink
 * records them; once Elasticsearch is up, the same events reach it. (No time assertions.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../helpers/server.js';
import { ElasticsearchReceiver } from '../receivers/elasticsearch.js';

test('SSH sessions complete while the elasticsearch sink is down, and their events arrive after it recovers', async () => {
  const es = new ElasticsearchReceiver();
  await es.start();
  await es.stop();
  const srv = await startServer({
    config: {
      sinks: [
        { type: 'file' },
        {
          type: 'elasticsearch',
          name: 'es',
          nodes: [es.url],
          retry: { initial_ms: 50, max_ms: 200, max_attempts: 0 },
        },
      ],
    },
  });
  try {
    for (let i = 1; i <= 3; i++) {
      const r = await srv.ssh(['echo', `still-working-${i}`], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString().trim(), `still-working-${i}`);
    }
    const events = await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length >= 3);
    const sessions = new Set(events.filter((x) => x.type === 'session.end').map((x) => String(x.session_id)));
    await es.start();
    const deadline = Date.now() + 30_000;
    const arrived = () =>
      new Set(
        es
          .docs()
          .filter((d) => (d.sshtrail as { type: string }).type === 'session.end')
          .map((d) => (d.sshtrail as { session_id: string }).session_id),
      );
    while ([...sessions].some((s) => !arrived().has(s)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    for (const s of sessions)
      assert.ok(arrived().has(s), `session.end of ${String(s)} reached elasticsearch after recovery`);
  } finally {
    await srv.stop();
    await es.stop();
  }
});
