import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { checkSink } from '../../core/sinks/check.js';
import { syslogTimestamp } from '../../sinks/syslog/encoder.js';
import { type SyslogSink, syslogSinkType } from '../../sinks/syslog/sink.js';
import { RSYSLOGD, RsyslogReceiver } from '../receivers/rsyslog.js';
import { makeCert } from '../receivers/tls.js';
import {
  commandEvents,
  outcomes,
  sampleEvents,
  signal,
  sinkContext,
  sinkOptions,
  statuses,
} from './fixtures.js';

function makeSink(port: number, extra: Record<string, unknown> = {}): SyslogSink {
  return syslogSinkType.create(
    sinkOptions(syslogSinkType, { host: '127.0.0.1', port, connect_timeout_ms: 1000, ...extra }),
    sinkContext('syslog'),
  ) as SyslogSink;
}

describe('syslog sink against rsyslog', () => {
  const rs = new RsyslogReceiver();
  let sink: SyslogSink;
  before(async (t) => {
    if (!existsSync(RSYSLOGD)) return;
    await rs.start();
    sink = makeSink(rs.port);
    void t;
  });
  after(async () => {
    await sink?.close();
    await rs.close();
  });

  test('rsyslog parses every event: PRI, timestamp, hostname, app-name, msgid, meta sequenceId, session structured data, JSON MSG', async (t) => {
    if (!existsSync(RSYSLOGD)) return t.skip(`${RSYSLOGD} not installed`);
    const events = sampleEvents();
    assert.deepEqual(
      statuses(await sink.send(events, signal()), events.length),
      events.map(() => 'sent'),
    );
    const recs = await rs.waitFor(events.length);
    assert.equal(recs.length, events.length);
    events.forEach((e, i) => {
      const r = recs[i]!;
      assert.deepEqual(JSON.parse(r.msg), JSON.parse(JSON.stringify(e)));
      assert.equal(r.msgid, e.type);
      assert.equal(r.hostname, 'host-a');
      assert.equal(r.appName, 'sshtrail');
      assert.equal(r.procid, String(process.pid));
      assert.equal(r.timestamp, syslogTimestamp(e.time));
      assert.equal(r.pri, 10 * 8 + (e.type === 'audit.loss' ? 4 : e.type === 'auth.failure' ? 5 : 6));
      assert.match(
        r.structuredData,
        new RegExp(`^\\[meta sequenceId="${i + 1}"\\]\\[sshtrail@32473 type="${e.type}" seq="${e.seq}"`),
      );
      if (e.session_id) assert.ok(r.structuredData.includes(`session_id="${e.session_id}"`));
    });
  });

  test('a collector down at start is a retry ("connection refused"); delivery resumes after restart', async (t) => {
    if (!existsSync(RSYSLOGD)) return t.skip(`${RSYSLOGD} not installed`);
    await rs.stop();
    // A sink of its own: the suite's sink still holds the connection of the test before, and its
    // first write after the stop sees that connection reset, which is a different (also retried) case.
    const sink = makeSink(rs.port);
    t.after(() => sink.close());
    const before = rs.records().length;
    const r = outcomes(await sink.send(commandEvents(2), signal()), 2);
    assert.equal(r[0]?.status, 'retry');
    assert.equal((r[0] as { error: string }).error, 'connection refused');
    const c = await checkSink(sink, sampleEvents()[0]!);
    assert.equal(c.detail, 'connection refused');
    await rs.start();
    const events = commandEvents(3);
    // The first write after a restart may land on the old, now-dead connection: retry as the pipeline would.
    let result = statuses(await sink.send(events, signal()), 3);
    for (let i = 0; i < 5 && result[0] !== 'sent'; i++)
      result = statuses(await sink.send(events, signal()), 3);
    assert.deepEqual(result, ['sent', 'sent', 'sent']);
    const recs = await rs.waitFor(before + 3);
    for (const e of events)
      assert.ok(
        recs.some((x) => x.msg.includes(e.id)),
        `${e.id} stored`,
      );
  });
});

describe('syslog sink over TLS', () => {
  test('sends octet-counted RFC 5424 frames over TLS to a collector with a trusted certificate', async () => {
    const cert = makeCert();
    let received = '';
    const server = tls.createServer({ key: cert.key, cert: cert.cert }, (s) =>
      s.on('data', (d: Buffer) => {
        received += d.toString();
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const s = makeSink(port, { tls: { enabled: true, ca_file: cert.caFile } });
    const events = commandEvents(2);
    assert.deepEqual(statuses(await s.send(events, signal()), 2), ['sent', 'sent']);
    const untrusted = makeSink(port, { tls: { enabled: true } });
    const c = await checkSink(untrusted, sampleEvents()[0]!);
    for (let i = 0; i < 200 && !received.includes(events[1]!.id); i++)
      await new Promise((r) => setTimeout(r, 10));
    await s.close();
    await untrusted.close();
    server.close();
    cert.cleanup();
    // Octet counting: "LEN SP MSG" back to back.
    let rest = received;
    const msgs: string[] = [];
    while (rest.length > 0) {
      const sp = rest.indexOf(' ');
      const len = Number(rest.slice(0, sp));
      const body = Buffer.from(rest.slice(sp + 1));
      msgs.push(body.subarray(0, len).toString());
      rest = body.subarray(len).toString();
    }
    assert.equal(msgs.length, 2);
    assert.match(msgs[0]!, /^<86>1 \S+ host-a sshtrail \d+ session\.command \[meta sequenceId="1"\]/);
    assert.equal(c.ok, false);
    assert.match(c.detail, /^TLS: /);
  });
});
