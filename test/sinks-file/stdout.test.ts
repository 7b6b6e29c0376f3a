import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import type { SinkType } from '../../core/sinks/sink.js';
import { createStdoutSink } from '../../sinks/stdout/sink.js';
import { asEmit } from '../pipeline/helpers.js';

test('the stdout sink writes one JSON line per event and completes a send once the stream has the data', async () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => {
    text += d;
  });
  const viaStream: SinkType = {
    type: 'stdout',
    description: 'stdout, to a test stream',
    configSchema: { type: 'object', additionalProperties: false },
    create: (o, ctx) => createStdoutSink(o, ctx, out),
  };
  const p = await startPipeline({
    config: { sinks: [{ type: 'stdout' }] },
    sinkTypes: [viaStream],
    dataDir: '/x',
    logger: silentLogger,
  });
  const start = asEmit('session.start');
  p.emit('session.start', { kind: 'exec', command: 'uptime', pty: false }, start.context);
  p.emit('session.start', { kind: 'shell', pty: true, term: 'xterm', width: 80, height: 24 }, start.context);
  await p.close();
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; seq: number; kind: string });
  assert.deepEqual(
    lines.map((l) => [l.type, l.seq, l.kind]),
    [
      ['session.start', 1, 'exec'],
      ['session.start', 2, 'shell'],
    ],
  );
  assert.equal(p.stats().sinks[0]!.sent, 2);
});
