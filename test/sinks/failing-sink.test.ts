/**
 * A sink that fails every send, configured with the fastest retries the schema allows (1 ms), costs
 * a bounded amount of work (issue 10, defect 9): full-jitter backoff could come out at 0 ms, so
 * each batch in flight retried in a hot loop that starved the event loop and slowed every login.
 * The retries it receives over a window are counted against the pipeline's floor (at most one
 * retry per sink per MIN_RETRY_GAP_MS, plus the first sends of the batches in flight), and
 * logins through the real OpenSSH client complete meanwhile. (No time assertions: the bound is
 * a count over whatever window elapsed.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MIN_RETRY_GAP_MS } from '../../core/pipeline/sink-runner.js';
import { startServer } from '../helpers/server.js';
import { ElasticsearchReceiver } from '../receivers/elasticsearch.js';

const IN_FLIGHT = 8;

test('a sink failing every send with 1 ms retries gets a bounded number of retries, and logins go on', async () => {
  const es = new ElasticsearchReceiver();
  await es.start();
  es.faults.storm = { status: 503, count: Number.MAX_SAFE_INTEGER };
  const srv = await startServer({
    config: {
      sinks: [
        { type: 'file' },
        {
          type: 'elasticsearch',
          name: 'es',
          nodes: [es.url],
          batch: { max_events: 1, timeout_ms: 1 },
          max_in_flight: IN_FLIGHT,
          retry: { initial_ms: 1, max_ms: 1, max_attempts: 0 },
        },
      ],
    },
  });
  try {
    // Enough events that every delivery slot holds a failing batch.
    for (let i = 1; i <= 3; i++) {
      const r = await srv.ssh(['echo', `login-${i}`]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), `login-${i}\n`);
    }
    await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length >= 3);
    const before = es.bulkRequests;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const got = es.bulkRequests - before;
    const windowMs = performance.now() - t0;
    assert.ok(got > 0, 'the failing sink is still being retried');
    // One retry per gap per sink, and a batch per slot that may have just started.
    const bound = Math.ceil(windowMs / MIN_RETRY_GAP_MS) + IN_FLIGHT;
    assert.ok(got <= bound, `${got} bulk requests in ${windowMs.toFixed(0)} ms (bound ${bound})`);
    const r = await srv.ssh(['echo', 'still-serving']);
    assert.equal(r.stdout.toString(), 'still-serving\n', r.stderr);
  } finally {
    await srv.stop();
    await es.stop();
  }
});
