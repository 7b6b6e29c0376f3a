import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkSink } from '../../core/sinks/check.js';
import { eventTime } from '../../sinks/fluentd/encoder.js';
import { type FluentdSink, fluentdSinkType } from '../../sinks/fluentd/sink.js';
import { FluentdReceiver } from '../receivers/fluentd.js';
import { makeCert } from '../receivers/tls.js';
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

function makeSink(port: number, extra: Record<string, unknown> = {}, logger = captureLogger()): FluentdSink {
  return fluentdSinkType.create(
    sinkOptions(fluentdSinkType, {
      type: 'fluentd',
      host: '127.0.0.1',
      port,
      connect_timeout_ms: 1500,
      ack: { timeout_ms: 500 },
      reconnect: { delay_ms: 20, max_delay_ms: 100 },
      ...extra,
    }),
    sinkContext('fluentd', logger),
  ) as FluentdSink;
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};

test("EventTime keeps the event's nanoseconds", () => {
  const t = eventTime('2026-11-29T00:26:01.123456789Z');
  assert.equal(t.epoch, 1795911961);
  assert.equal(t.nano, 123456789);
});

describe('fluentd sink', () => {
  const fd = new FluentdReceiver();
  let sink: FluentdSink;
  before(async () => {
    await fd.start();
    sink = makeSink(fd.port);
    await sink.start();
  });
  after(async () => {
    await sink.close();
    await fd.close();
  });

  test('delivers every event acked, tagged sshtrail.<type>, with EventTime nanoseconds and the canonical record', async () => {
    const events = sampleEvents();
    assert.deepEqual(
      statuses(await sink.send(events, signal()), events.length),
      events.map(() => 'sent'),
    );
    for (const e of events) {
      const got = fd.entries.find((x) => x.record.id === e.id);
      assert.ok(got, `${e.type} received`);
      assert.equal(got.tag, `sshtrail.${e.type}`);
      const t = eventTime(e.time);
      assert.deepEqual(
        { epoch: (got.time as { epoch: number }).epoch, nano: (got.time as { nano: number }).nano },
        { epoch: t.epoch, nano: t.nano },
      );
      assert.deepEqual(got.record, JSON.parse(JSON.stringify(e)));
    }
  });

  test('CompressedPackedForward delivers the same records', async () => {
    const s = makeSink(fd.port, { mode: 'CompressedPackedForward', tag_prefix: 'audit' });
    const events = commandEvents(10);
    assert.deepEqual(statuses(await s.send(events, signal()), 10), Array(10).fill('sent'));
    await s.close();
    for (const e of events)
      assert.equal(fd.entries.find((x) => x.record.id === e.id)?.tag, 'audit.session.command');
  });

  test('missing acks are retried (ack timeout)', async () => {
    fd.faults.dropAcks = true;
    const r = outcomes(await sink.send(commandEvents(3), signal()), 3);
    fd.faults.dropAcks = false;
    assert.deepEqual(
      r.map((o) => o.status),
      ['retry', 'retry', 'retry'],
    );
    assert.match((r[0] as { error: string }).error, /no ack/);
  });

  test('a malformed reply instead of the ack is retried, and the next batch is delivered', async () => {
    fd.faults.garbage = true;
    const r = outcomes(await sink.send(commandEvents(3), signal()), 3);
    fd.faults.garbage = false;
    assert.deepEqual(
      r.map((o) => o.status),
      ['retry', 'retry', 'retry'],
    );
    assert.deepEqual(statuses(await sink.send(commandEvents(2), signal()), 2), ['sent', 'sent']);
  });

  test('a connection reset mid-message is retried, and the client reconnects for the next batch', async () => {
    fd.faults.resetNext = 1;
    const r = outcomes(await sink.send(commandEvents(200), signal()), 200);
    assert.ok(r.every((o) => o.status === 'retry'));
    const events = commandEvents(5);
    assert.deepEqual(statuses(await sink.send(events, signal()), 5), Array(5).fill('sent'));
  });

  test('a slow receiver still acks within the timeout: sent', async () => {
    fd.faults.delayMs = 100;
    const r = statuses(await sink.send(commandEvents(3), signal()), 3);
    fd.faults.delayMs = 0;
    assert.deepEqual(r, ['sent', 'sent', 'sent']);
  });

  test('a receiver down at start: retry with "connection refused", the client queue holds nothing, and delivery resumes', async () => {
    const down = new FluentdReceiver();
    await down.start();
    await down.stop();
    const s = makeSink(down.port);
    const r = outcomes(await s.send(commandEvents(3), signal()), 3);
    assert.equal(r[0]?.status, 'retry');
    assert.equal((r[0] as { error: string }).error, 'connection refused');
    const client = (s as unknown as { client: { sendQueueLength: number } }).client;
    assert.equal(client.sendQueueLength, 0, 'nothing waits in the client queue');
    await down.start();
    const events = commandEvents(3);
    assert.deepEqual(statuses(await s.send(events, signal()), 3), ['sent', 'sent', 'sent']);
    await until(() => down.entries.length === 3);
    assert.equal(down.entries.length, 3);
    await s.close();
    await down.close();
  });
});

describe('fluentd sink with shared key and TLS', () => {
  const cert = makeCert();
  const fd = new FluentdReceiver({ sharedKey: 's3cret', tls: { key: cert.key, cert: cert.cert } });
  before(() => fd.start());
  after(async () => {
    await fd.close();
    cert.cleanup();
  });

  test('completes the shared-key handshake over TLS and delivers', async () => {
    const s = makeSink(fd.port, { shared_key: 's3cret', tls: { enabled: true, ca_file: cert.caFile } });
    const events = commandEvents(4);
    assert.deepEqual(statuses(await s.send(events, signal()), 4), Array(4).fill('sent'));
    const c = await checkSink(s, { ...sampleEvents()[0]!, type: 'audit.test', test: true } as never);
    await s.close();
    assert.equal(c.ok, true, c.detail);
    for (const e of events) assert.ok(fd.entries.some((x) => x.record.id === e.id));
  });

  test('a wrong shared key is rejected as an auth failure and logged', async () => {
    const logger = captureLogger();
    const s = makeSink(
      fd.port,
      { shared_key: 'wrong', tls: { enabled: true, ca_file: cert.caFile } },
      logger,
    );
    const r = outcomes(await s.send(commandEvents(2), signal()), 2);
    const c = await checkSink(s, sampleEvents()[0]!);
    await s.close();
    assert.equal(r[0]?.status, 'rejected');
    assert.match((r[0] as { error: string }).error, /^auth: .*shared key mismatch/);
    assert.ok(logger.lines.some((l) => l.includes('"level":"error"')));
    assert.match(c.detail, /^auth: .*shared key mismatch/);
  });

  test('an untrusted certificate is reported as a TLS failure', async () => {
    const s = makeSink(fd.port, { shared_key: 's3cret', tls: { enabled: true }, connect_timeout_ms: 500 });
    const c = await checkSink(s, sampleEvents()[0]!);
    await s.close();
    assert.equal(c.ok, false);
    assert.match(c.detail, /^TLS: /);
  });
});

describe('fluentd sink with user authentication', () => {
  const fd = new FluentdReceiver({ sharedKey: 'k', users: { alice: 'pw' } });
  before(() => fd.start());
  after(() => fd.close());

  test('authenticates with username and password; a wrong password is an auth rejection', async () => {
    const good = makeSink(fd.port, { shared_key: 'k', username: 'alice', password: 'pw' });
    const events = commandEvents(2);
    assert.deepEqual(statuses(await good.send(events, signal()), 2), ['sent', 'sent']);
    await good.close();
    const bad = makeSink(fd.port, { shared_key: 'k', username: 'alice', password: 'nope' });
    const r = outcomes(await bad.send(commandEvents(1), signal()), 1);
    await bad.close();
    assert.equal(r[0]?.status, 'rejected');
    assert.match((r[0] as { error: string }).error, /^auth: /);
    for (const e of events) assert.ok(fd.entries.some((x) => x.record.id === e.id));
  });
});
