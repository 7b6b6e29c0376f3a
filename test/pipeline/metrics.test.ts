import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startPipeline } from '../../core/compose/pipeline.js';
import type { SessionContext } from '../../core/events/emitter.js';
import { silentLogger } from '../../core/log.js';
import { SENT, type SinkType } from '../../core/sinks/sink.js';
import { asEmit, loose, waitFor } from './helpers.js';

test('metrics.listen serves Prometheus text at /metrics: emitted, sent, dropped, queues, retries, sessions, auth failures', async () => {
  const ok: SinkType = {
    type: 'ok',
    description: 'test',
    configSchema: { type: 'object' },
    create: (_o, c) => ({ name: c.name, send: async () => SENT, close: async () => {} }),
  };
  const never: SinkType = {
    type: 'never',
    description: 'test',
    configSchema: { type: 'object' },
    create: (_o, c) => ({ name: c.name, send: () => new Promise(() => {}), close: async () => {} }),
  };
  const p = await startPipeline({
    config: {
      sinks: [
        { type: 'ok', name: 'siem', batch: { timeout_ms: 1 } },
        { type: 'never', name: 'stuck', buffer: { max_events: 2 } },
      ],
      metrics: { listen: '127.0.0.1:0' },
    },
    sinkTypes: [ok, never],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  assert.match(p.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const start = asEmit('session.start');
  const fail = asEmit('auth.failure');
  loose(p).emit('session.start', start.fields, start.context as SessionContext);
  loose(p).emit('auth.failure', fail.fields, fail.context);
  loose(p).emit('auth.failure', fail.fields, fail.context);
  loose(p).emit('session.command', { pid: 'bad' }, start.context as SessionContext);
  await waitFor(() => p.stats().sinks[0]!.sent === 3, 'the batch to reach the sink');
  const res = await fetch(p.metricsUrl!);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const body = await res.text();
  const has = (line: string) => assert.ok(body.split('\n').includes(line), `missing: ${line}\n${body}`);
  has('sshtrail_events_emitted_total{type="session.start"} 1');
  has('sshtrail_events_emitted_total{type="auth.failure"} 2');
  has('sshtrail_events_invalid_total 1');
  has('sshtrail_sink_events_sent_total{sink="siem",type="ok"} 3');
  has('sshtrail_sink_events_dropped_total{sink="stuck",reason="queue_full"} 1');
  has('sshtrail_sink_queue_length{sink="stuck"} 2');
  has('sshtrail_sink_queue_capacity{sink="stuck"} 2');
  has('sshtrail_sink_events_retried_total{sink="siem"} 0');
  has('sshtrail_sessions_active 1');
  has('sshtrail_auth_failures_total 2');
  has('sshtrail_events_lost_total{source="pipeline",reason="invalid"} 1');
  assert.match(body, /# TYPE sshtrail_sink_events_dropped_total counter/);
  assert.equal((await fetch(p.metricsUrl!.replace('/metrics', '/'))).status, 404);
  await p.close(50);
  await assert.rejects(fetch(p.metricsUrl!), 'the metrics server is closed with the pipeline');
});
