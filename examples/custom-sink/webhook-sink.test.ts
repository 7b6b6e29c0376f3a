import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { shippedSchemas } from '../../core/events/schemas.js';
import { FullValidators } from '../../core/events/validators.js';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import type { SinkType } from '../../core/sinks/sink.js';
import { moduleSinkType } from '../../sinks/module/sink.js';

const modulePath = fileURLToPath(new URL('./webhook-sink.js', import.meta.url));

async function receiver(answer: (lines: string[], res: ServerResponse) => void) {
  const got: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const lines = body.trim().split('\n');
      got.push(...lines);
      answer(lines, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const ctx = { session_id: 'w1', login: 'deploy', client_addr: '192.0.2.10', client_port: 52144 };
const fields = { kind: 'exec', command: 'uptime', pty: false } as const;

test('the example webhook sink, loaded by the module sink, delivers valid events', async () => {
  const rx = await receiver((_l, res) => res.writeHead(200).end());
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'module',
          name: 'webhook',
          path: modulePath,
          options: { url: rx.url },
          batch: { timeout_ms: 1 },
        },
      ],
    },
    sinkTypes: [moduleSinkType as unknown as SinkType],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  for (let i = 0; i < 5; i++) p.emit('session.start', fields, ctx);
  await p.close();
  await rx.close();
  assert.equal(rx.got.length, 5);
  const v = new FullValidators(shippedSchemas());
  for (const line of rx.got) {
    const ev = JSON.parse(line) as { schema: string };
    assert.ok(v.get(ev.schema)!(ev));
  }
  assert.equal(p.stats().sinks[0]!.sent, 5);
});

test('per-event answers: retried events are sent again, refused ones are counted as rejected', async () => {
  let call = 0;
  const rx = await receiver((lines, res) => {
    call++;
    if (call === 1) {
      // First event delivered, second to retry, third refused.
      res
        .writeHead(207, { 'content-type': 'application/json' })
        .end(JSON.stringify({ results: ['ok', 'retry', 'rejected'] }));
    } else if (call === 2) {
      res.writeHead(503, { 'retry-after': '0' }).end();
    } else {
      assert.equal(lines.length, 1, 'only the event to retry is sent again');
      res.writeHead(200).end();
    }
  });
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'module',
          path: modulePath,
          options: { url: rx.url },
          batch: { max_events: 3, timeout_ms: 1 },
          retry: { initial_ms: 1, max_ms: 5 },
        },
      ],
    },
    sinkTypes: [moduleSinkType as unknown as SinkType],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  for (let i = 0; i < 3; i++) p.emit('session.start', fields, ctx);
  await p.close(5000);
  await rx.close();
  const s = p.stats().sinks[0]!;
  assert.equal(s.sent, 3, 'two session.start events and the audit.loss report at shutdown');
  assert.equal(s.dropped.rejected, 1);
  const loss = rx.got
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((e) => e.type === 'audit.loss');
  assert.deepEqual([loss?.source, loss?.reason, loss?.count], ['sink:module', 'rejected', 1]);
  assert.equal(s.retries, 2);
});

test('a module without a sink factory is a clear start-up error', async () => {
  await assert.rejects(
    startPipeline({
      config: {
        sinks: [
          {
            type: 'module',
            path: fileURLToPath(new URL('./webhook-sink.test.js', import.meta.url)),
            export: 'nope',
          },
        ],
      },
      sinkTypes: [moduleSinkType as unknown as SinkType],
      dataDir: '/nonexistent',
      logger: silentLogger,
    }),
    /sink 'module' \(module\) could not be created: Error: .*no sink factory exported as 'nope'/,
  );
});
