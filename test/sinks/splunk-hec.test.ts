import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkSink } from '../../core/sinks/check.js';
import type { Sink } from '../../core/sinks/sink.js';
import { epochSeconds } from '../../sinks/splunk_hec/encoder.js';
import { type SplunkHecSink, splunkHecSinkType } from '../../sinks/splunk_hec/sink.js';
import { SplunkHecReceiver } from '../receivers/splunk-hec.js';
import {
  captureLogger,
  commandEvents,
  outcomes,
  sampleEvents,
  signal,
  sinkContext,
  sinkOptions,
  statuses,
} from './fixtures.js';

const TOKEN = '8b1e7a4c-0c1d-4c5e-9f7a-1b2c3d4e5f60';

function makeSink(url: string, extra: Record<string, unknown> = {}, logger = captureLogger()): SplunkHecSink {
  return splunkHecSinkType.create(
    sinkOptions(splunkHecSinkType, {
      type: 'splunk_hec',
      endpoint: url,
      token: TOKEN,
      index: 'sshtrail',
      ...extra,
    }),
    sinkContext('splunk', logger),
  ) as SplunkHecSink;
}

test("time is epoch seconds with the event's own fraction digits", () => {
  assert.equal(epochSeconds('2026-11-29T00:26:01.123456789Z'), '1795911961.123456789');
  assert.equal(epochSeconds('2026-11-29T00:26:01Z'), '1795911961');
  assert.equal(epochSeconds('2026-11-29T01:26:01.5+01:00'), '1795911961.5');
});

describe('splunk_hec sink', () => {
  const hec = new SplunkHecReceiver(TOKEN);
  let sink: SplunkHecSink;
  before(async () => {
    await hec.start();
    sink = makeSink(hec.url, { gzip: true });
    await sink.start();
  });
  after(async () => {
    await sink.close();
    await hec.stop();
  });

  test('stores every event as HEC would: envelope, indexed fields, canonical event, gzip, one channel', async () => {
    const events = sampleEvents();
    assert.deepEqual(
      statuses(await sink.send(events, signal()), events.length),
      events.map(() => 'sent'),
    );
    assert.ok(hec.gzipRequests > 0);
    const got = hec.events.slice(-events.length);
    events.forEach((e, i) => {
      const env = got[i]!;
      assert.deepEqual(env.event, JSON.parse(JSON.stringify(e)));
      assert.equal(env.time, Number(epochSeconds(e.time)));
      assert.equal(env.host, 'host-a');
      assert.equal(env.source, 'sshtrail');
      assert.equal(env.sourcetype, 'sshtrail:audit');
      assert.equal(env.index, 'sshtrail');
      assert.deepEqual(env.fields, {
        sshtrail_type: e.type,
        ...(e.session_id ? { sshtrail_session_id: e.session_id } : {}),
        sshtrail_login: 'alice',
      });
      assert.equal(env.channel, sink.options.channel);
    });
  });

  test('a batch over max_request_bytes goes in several requests; a single event over it is rejected', async () => {
    const s = makeSink(hec.url, { max_request_bytes: 2048 });
    const events = commandEvents(20);
    const big = { ...commandEvents(1)[0]!, argv: ['x'.repeat(5000)] } as never;
    const before = hec.eventRequests;
    const out = outcomes(await s.send([...events, big], signal()), 21);
    await s.close();
    assert.deepEqual(
      out.slice(0, 20).map((o) => o.status),
      Array(20).fill('sent'),
    );
    assert.equal(out[20]?.status, 'rejected');
    assert.match((out[20] as { error: string }).error, /exceeds max_request_bytes/);
    assert.ok(hec.eventRequests - before > 1, 'split into several requests');
  });

  test('bodies go uncompressed unless gzip is on (the default is off)', async () => {
    const s = makeSink(hec.url);
    const gz = hec.gzipRequests;
    const before = hec.eventRequests;
    const n = hec.events.length;
    assert.deepEqual(statuses(await s.send(commandEvents(5), signal()), 5), Array(5).fill('sent'));
    await s.close();
    assert.ok(hec.eventRequests > before);
    assert.equal(hec.gzipRequests, gz, 'no gzip body');
    assert.equal(hec.events.length, n + 5);
  });

  test('a refused token (codes 1-4) rejects the events and logs an error', async () => {
    const logger = captureLogger();
    const s = makeSink(hec.url, { token: 'wrong' }, logger);
    const out = outcomes(await s.send(commandEvents(2), signal()), 2);
    const c = await checkSink(s, sampleEvents()[0]!);
    await s.close();
    assert.deepEqual(
      out.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    assert.match((out[0] as { error: string }).error, /auth\/token: HEC code 4: Invalid token/);
    assert.ok(logger.lines.some((l) => l.includes('"level":"error"') && l.includes('Invalid token')));
    assert.equal(c.ok, false);
    assert.match(c.detail, /Invalid token/);
  });

  test('a bad event (code 6) is rejected at invalid-event-number; earlier ones are indexed, later ones resent', async () => {
    const events = commandEvents(5);
    const badId = events[2]!.id;
    hec.faults.invalid = (env) => ((env.event as { id: string }).id === badId ? 6 : undefined);
    const out = outcomes(await sink.send(events, signal()), 5);
    assert.deepEqual(
      out.map((o) => o.status),
      ['sent', 'sent', 'rejected', 'retry', 'retry'],
    );
    assert.match((out[2] as { error: string }).error, /HEC code 6: Invalid data format/);
    hec.faults.invalid = undefined;
    assert.deepEqual(statuses(await sink.send(events.slice(3), signal()), 2), ['sent', 'sent']);
    const ids = hec.events.map((e) => (e.event as { id: string }).id);
    for (const e of [events[0], events[1], events[3], events[4]])
      assert.equal(ids.filter((i) => i === e!.id).length, 1);
    assert.ok(!ids.includes(badId));
  });

  for (const code of [8, 9]) {
    test(`HEC code ${code} is retried, then delivery resumes`, async () => {
      hec.faults.storm = { code, count: 1 };
      const events = commandEvents(3);
      assert.deepEqual(statuses(await sink.send(events, signal()), 3), ['retry', 'retry', 'retry']);
      assert.deepEqual(statuses(await sink.send(events, signal()), 3), ['sent', 'sent', 'sent']);
    });
  }

  test('a connection reset, a malformed reply and a slow server are retries', async () => {
    hec.faults.resetNext = 1;
    assert.equal(outcomes(await sink.send(commandEvents(50), signal()), 50)[0]?.status, 'retry');
    hec.faults.malformedNext = 1;
    assert.equal(outcomes(await sink.send(commandEvents(1), signal()), 1)[0]?.status, 'retry');
    hec.faults.delayMs = 3000;
    const slow = outcomes(await sink.send(commandEvents(1), AbortSignal.timeout(500)), 1)[0] as {
      status: string;
      error: string;
    };
    hec.faults.delayMs = 0;
    assert.equal(slow.status, 'retry');
    assert.equal(slow.error, 'request aborted');
  });

  test('an endpoint down at start: health check and sends say "connection refused"; delivery resumes when it is up', async () => {
    const down = new SplunkHecReceiver(TOKEN);
    await down.start();
    await down.stop();
    const s = makeSink(down.url);
    await assert.rejects(s.start(), /connection refused/);
    const out = outcomes(await s.send(commandEvents(2), signal()), 2);
    assert.deepEqual(
      out.map((o) => (o as { error?: string }).error),
      ['connection refused', 'connection refused'],
    );
    await down.start();
    assert.deepEqual(statuses(await s.send(commandEvents(2), signal()), 2), ['sent', 'sent']);
    assert.equal(down.events.length, 2);
    await s.close();
    await down.stop();
  });

  test('an unhealthy HEC fails start() and check() with the reason', async () => {
    hec.faults.unhealthy = true;
    const c = await checkSink(sink, sampleEvents()[0]!);
    await assert.rejects(sink.start(), /HEC is unhealthy, queues are full/);
    hec.faults.unhealthy = false;
    assert.equal(c.ok, false);
    assert.match(c.detail, /HTTP 503 HEC is unhealthy, queues are full \(code 18\)/);
  });

  test('check() sends the marked test event and reports ok', async () => {
    const c = await checkSink(sink, { ...sampleEvents()[0]!, type: 'audit.test', test: true } as never);
    assert.equal(c.ok, true, c.detail);
    assert.equal(hec.events.at(-1)?.fields?.sshtrail_type, 'audit.test');
  });
});

describe('splunk_hec sink with indexer acknowledgement', () => {
  const hec = new SplunkHecReceiver(TOKEN, { ack: true });
  let sink: Sink;
  before(async () => {
    await hec.start();
    sink = makeSink(hec.url, { ack: { enabled: true, poll_ms: 20, timeout_ms: 300 } });
  });
  after(async () => {
    await sink.close();
    await hec.stop();
  });

  test("events count as sent once their ackId is acknowledged on the sink's channel", async () => {
    assert.deepEqual(statuses(await sink.send(commandEvents(4), signal()), 4), Array(4).fill('sent'));
    assert.equal(hec.events.length, 4);
  });

  test('events never acknowledged within timeout_ms are rejected with reason ack_timeout', async () => {
    hec.faults.neverAck = true;
    const out = outcomes(await sink.send(commandEvents(3), signal()), 3);
    hec.faults.neverAck = false;
    for (const o of out) {
      assert.equal(o.status, 'rejected');
      assert.equal((o as { reason?: string }).reason, 'ack_timeout');
    }
  });
});
