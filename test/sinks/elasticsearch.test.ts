import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkSink } from '../../core/sinks/check.js';
import type { Sink } from '../../core/sinks/sink.js';
import { elasticsearchSinkType } from '../../sinks/elasticsearch/sink.js';
import { ElasticsearchReceiver } from '../receivers/elasticsearch.js';
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

// biome-ignore lint/suspicious/noExplicitAny: stored documents are checked field by field
type Doc = Record<string, any>;

const API_KEY = 'aWQ6c2VjcmV0';

async function makeSink(
  url: string,
  extra: Record<string, unknown> = {},
  logger = captureLogger(),
): Promise<Sink> {
  return elasticsearchSinkType.create(
    sinkOptions(elasticsearchSinkType, { type: 'elasticsearch', nodes: [url], api_key: API_KEY, ...extra }),
    sinkContext('es', logger),
  );
}

describe('elasticsearch sink', () => {
  const es = new ElasticsearchReceiver({ apiKey: API_KEY });
  let sink: Sink;
  before(async () => {
    await es.start();
    sink = await makeSink(es.url, { compression: true });
    await sink.start?.();
  });
  after(async () => {
    await sink.close();
    await es.stop();
  });

  test('installs the index template, component template and ingest pipeline, idempotently', async () => {
    const tpl = es.indexTemplates.get('logs-sshtrail') as Record<string, unknown>;
    assert.deepEqual(tpl.index_patterns, ['logs-sshtrail.*-*']);
    assert.ok((tpl.priority as number) > 100, 'above the built-in logs template (100)');
    assert.deepEqual(tpl.data_stream, {});
    assert.ok((tpl.composed_of as string[]).includes('sshtrail@mappings'));
    const ct = es.componentTemplates.get('sshtrail@mappings') as {
      template: { mappings: { properties: Record<string, { properties: Record<string, unknown> }> } };
    };
    assert.deepEqual(ct.template.mappings.properties.sshtrail?.properties.return_code, { type: 'long' });
    assert.ok(es.pipelines.has('sshtrail-ecs'));
    const before = JSON.stringify([...es.indexTemplates, ...es.componentTemplates, ...es.pipelines]);
    await sink.start?.();
    assert.equal(JSON.stringify([...es.indexTemplates, ...es.componentTemplates, ...es.pipelines]), before);
  });

  test('stores every event type as an ECS document in its data stream, gzip-compressed, with the canonical event under sshtrail', async () => {
    const events = sampleEvents();
    const result = await sink.send(events, signal());
    assert.deepEqual(
      statuses(result, events.length),
      events.map(() => 'sent'),
    );
    assert.ok(es.gzipRequests > 0, 'request bodies are gzip-compressed');
    for (const e of events) {
      const stream = `logs-sshtrail.${e.type.replace('.', '_')}-default`;
      const doc = es.streams.get(stream)?.get(e.id) as Doc;
      assert.ok(doc, `${e.type} stored in ${stream} under _id ${e.id}`);
      assert.deepEqual(doc.sshtrail, JSON.parse(JSON.stringify(e)));
      assert.equal(doc['@timestamp'], e.time);
      assert.equal(doc.event.id, e.id);
      assert.equal(doc.event.module, 'sshtrail');
      assert.equal(doc.event.dataset, `sshtrail.${e.type.replace('.', '_')}`);
      assert.ok(typeof doc.event.ingested === 'string', 'event.ingested set by the ingest pipeline');
      assert.equal(doc.host.name, 'host-a');
      assert.equal(doc.process?.exit_code, undefined, 'no process.exit_code from syscall return codes');
      if (e.session_id) {
        assert.equal(doc.process.entry_leader.entity_id, e.session_id);
        assert.equal(doc.process.entry_leader.entry_meta.type, 'sshd');
        assert.equal(doc.process.entry_leader.entry_meta.source.ip, '127.0.0.1');
        assert.equal(doc.process.entry_leader.user.name, 'alice');
        assert.ok(doc.process.entry_leader.start, 'session start known');
      }
    }
    const [ok, failed] = events.filter((e) => e.type === 'session.command');
    const okDoc = es.streams.get('logs-sshtrail.session_command-default')?.get(ok!.id) as Doc;
    assert.deepEqual(okDoc.process.args, ['ls', '-la', '/tmp']);
    assert.equal(okDoc.process.args_count, 3);
    assert.equal(okDoc.process.executable, '/usr/bin/ls');
    assert.equal(okDoc.process.parent.pid, 4241);
    assert.equal(okDoc.event.outcome, 'success');
    const badDoc = es.streams.get('logs-sshtrail.session_command-default')?.get(failed!.id) as Doc;
    assert.equal(badDoc.event.outcome, 'failure');
    assert.equal(badDoc.sshtrail.return_code, -2);
    const net = [...(es.streams.get('logs-sshtrail.session_network-default')?.values() ?? [])][0] as Doc;
    assert.deepEqual(net.network, { transport: 'tcp', type: 'ipv4', direction: 'egress' });
    assert.equal(net.destination.port, 443);
    const disk = [...(es.streams.get('logs-sshtrail.session_disk-default')?.values() ?? [])][0] as Doc;
    assert.equal(disk.file.path, '/etc/passwd');
  });

  test('a retried batch never duplicates: existing ids (409) count as sent', async () => {
    const events = commandEvents(20);
    assert.deepEqual(new Set(statuses(await sink.send(events, signal()), 20)), new Set(['sent']));
    const count = es.docs().length;
    assert.deepEqual(new Set(statuses(await sink.send(events, signal()), 20)), new Set(['sent']));
    assert.equal(es.docs().length, count);
  });

  test('per-item 429 is retried, other per-item 4xx rejected with the error type', async () => {
    const events = commandEvents(3);
    const [busy, bad] = events;
    es.faults.item = (src) => {
      const id = (src.event as { id: string }).id;
      if (id === busy!.id)
        return {
          status: 429,
          error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' },
        };
      if (id === bad!.id)
        return {
          status: 400,
          error: { type: 'document_parsing_exception', reason: '[1:2] failed to parse' },
        };
      return undefined;
    };
    const out = outcomes(await sink.send(events, signal()), 3);
    es.faults.item = undefined;
    assert.equal(out[0]?.status, 'retry');
    assert.equal(out[1]?.status, 'rejected');
    assert.match((out[1] as { error: string }).error, /^document_parsing_exception/);
    assert.equal(out[2]?.status, 'sent');
  });

  for (const status of [429, 503]) {
    test(`a whole-request ${status} storm is retried for the batch, then delivery resumes`, async () => {
      es.faults.storm = { status, count: 2 };
      const events = commandEvents(5);
      assert.deepEqual(statuses(await sink.send(events, signal()), 5), Array(5).fill('retry'));
      assert.deepEqual(statuses(await sink.send(events, signal()), 5), Array(5).fill('retry'));
      assert.deepEqual(statuses(await sink.send(events, signal()), 5), Array(5).fill('sent'));
    });
  }

  test('a connection reset mid-batch is a retry', async () => {
    es.faults.resetNext = 1;
    const r = outcomes(await sink.send(commandEvents(50), signal()), 50);
    assert.equal(r[0]?.status, 'retry');
  });

  test('a malformed response is a retry', async () => {
    es.faults.malformedNext = 1;
    const r = outcomes(await sink.send(commandEvents(2), signal()), 2);
    assert.equal(r[0]?.status, 'retry');
  });

  test("a slow server past the pipeline's request timeout (abort) is a retry", async () => {
    es.faults.delayMs = 3000;
    const r = outcomes(await sink.send(commandEvents(2), AbortSignal.timeout(500)), 2);
    es.faults.delayMs = 0;
    assert.equal(r[0]?.status, 'retry');
    assert.match((r[0] as { error: string }).error, /aborted/);
  });

  test('bodies go uncompressed unless compression is on (the default is off)', async () => {
    const s = await makeSink(es.url);
    const events = commandEvents(5);
    const gz = es.gzipRequests;
    const bulks = es.bulkRequests;
    assert.deepEqual(statuses(await s.send(events, signal()), 5), Array(5).fill('sent'));
    await s.close();
    assert.ok(es.bulkRequests > bulks);
    assert.equal(es.gzipRequests, gz, 'no gzip body');
    for (const e of events) assert.ok(es.streams.get('logs-sshtrail.session_command-default')?.has(e.id));
  });

  test('a server without the x-elastic-product header is refused with a clear error', async () => {
    es.faults.noProductHeader = true;
    const logger = captureLogger();
    const s = await makeSink(es.url, {}, logger);
    const r = outcomes(await s.send(commandEvents(1), signal()), 1);
    es.faults.noProductHeader = false;
    await s.close();
    assert.equal(r[0]?.status, 'rejected');
    assert.match((r[0] as { error: string }).error, /product check failed.*x-elastic-product/);
    assert.ok(logger.lines.some((l) => l.includes('"level":"error"')));
  });

  test('bad credentials are rejected as an authentication failure and checked precisely', async () => {
    const s = await makeSink(es.url, { api_key: 'd3Jvbmc6a2V5' });
    const r = outcomes(await s.send(commandEvents(1), signal()), 1);
    assert.equal(r[0]?.status, 'rejected');
    const c = await checkSink(s, sampleEvents()[0]!);
    await s.close();
    assert.equal(c.ok, false);
    assert.match(c.detail, /authentication failed \(HTTP 401\)/);
  });

  test('a node that is down at start is a retry ("connection refused"); delivery resumes when it is up', async () => {
    const down = new ElasticsearchReceiver({ apiKey: API_KEY });
    await down.start();
    await down.stop();
    const s = await makeSink(down.url);
    const events = commandEvents(3);
    const r = outcomes(await s.send(events, signal()), 3);
    assert.equal(r[0]?.status, 'retry');
    assert.equal((r[0] as { error: string }).error, 'connection refused');
    const c = await checkSink(s, sampleEvents()[0]!);
    assert.equal(c.detail, 'connection refused');
    await down.start();
    assert.deepEqual(statuses(await s.send(events, signal()), 3), ['sent', 'sent', 'sent']);
    assert.equal(down.docs().length, 3);
    await s.close();
    await down.stop();
  });

  test('check() names a missing template privilege and a missing index privilege', async () => {
    es.faults.templateStatus = 403;
    const c1 = await checkSink(sink, sampleEvents()[0]!);
    es.faults.templateStatus = undefined;
    assert.equal(c1.ok, false);
    assert.match(
      c1.detail,
      /^template install: permission denied \(HTTP 403\): security_exception: action \[.*put\] is unauthorized/,
    );
    es.faults.item = () => ({
      status: 403,
      error: {
        type: 'security_exception',
        reason: 'action [indices:admin/auto_create] is unauthorized for API key id [k1]',
      },
    });
    const c2 = await checkSink(sink, sampleEvents()[0]!);
    es.faults.item = undefined;
    assert.equal(c2.ok, false);
    assert.match(
      c2.detail,
      /^write to logs-sshtrail\.auth_success-default: security_exception: action \[indices:admin\/auto_create\] is unauthorized/,
    );
  });

  test('check() sends the marked test event and reports ok', async () => {
    const c = await checkSink(sink, {
      ...sampleEvents()[0]!,
      type: 'audit.test',
      test: true,
      message: 'sshtrail sinks test',
    } as never);
    assert.equal(c.ok, true, c.detail);
    assert.equal(es.streams.get('logs-sshtrail.audit_test-default')?.size, 1);
  });
});
