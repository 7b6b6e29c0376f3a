import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SshtrailError } from '../../core/errors.js';
import type { SessionContext } from '../../core/events/emitter.js';
import { createLogger, silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import { type AuditEvent, SENT, type SendResult, type SinkType } from '../../core/sinks/sink.js';
import { asEmit, localSinkTypes, loose, waitFor } from './helpers.js';

function sinkType(
  type: string,
  send: (batch: readonly AuditEvent[], signal: AbortSignal) => Promise<SendResult>,
): SinkType & { got: AuditEvent[]; calls: number } {
  const t = {
    type,
    description: 'test sink',
    configSchema: { type: 'object' },
    got: [] as AuditEvent[],
    calls: 0,
    create: (_o: unknown, ctx: { name: string }) => ({
      name: ctx.name,
      send: async (batch: readonly AuditEvent[], signal: AbortSignal) => {
        t.calls++;
        const r = await send(batch, signal);
        const o = r.kind === 'batch' ? batch.map(() => r.outcome) : r.outcomes;
        for (const [i, e] of batch.entries()) if (o[i]?.status === 'sent') t.got.push(e);
        return r;
      },
      close: async () => {},
    }),
  };
  return t;
}

const okSink = () => sinkType('ok', async () => SENT);
const cmd = asEmit('session.command');
const ctx = cmd.context as SessionContext;

test('a sink that never answers: emit keeps returning, the queue stays within its bound, sends do not pile up', async () => {
  const dead = sinkType('dead', () => new Promise<SendResult>(() => {}));
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'dead',
          buffer: { max_events: 1000 },
          batch: { max_events: 100, timeout_ms: 1 },
          request_timeout_ms: 5,
          retry: { initial_ms: 1, max_ms: 2, max_attempts: 0 },
        },
      ],
    },
    sinkTypes: [dead],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 10_000; i++) loose(p).emit('session.command', cmd.fields, ctx);
    await new Promise((r) => setTimeout(r, 5));
    const s = p.stats().sinks[0]!;
    assert.ok(s.queued <= 1000, `queued ${s.queued} within the bound`);
    assert.equal(s.accepted, (round + 1) * 10_000);
    assert.equal(s.accepted, s.sent + s.dropped_total + s.queued);
  }
  assert.ok(
    dead.calls <= 2,
    `at most two outstanding sends to a sink that ignores its signal (got ${dead.calls})`,
  );
  await p.close(50);
  const s = p.stats().sinks[0]!;
  assert.equal(s.queued, 0);
  assert.equal(s.sent, 0);
  assert.equal((s.dropped.queue_full ?? 0) + (s.dropped.shutdown ?? 0), s.accepted);
  assert.ok((s.dropped.shutdown ?? 0) > 0, 'what was still queued at the deadline is counted as shutdown');
});

test('drops are reported periodically as audit.loss events to every sink, without anyone asking', async () => {
  const full = sinkType('full', async () => ({
    kind: 'batch',
    outcome: { status: 'rejected', error: 'no' },
  }));
  const watch = okSink();
  const p = await startPipeline({
    config: {
      sinks: [
        { type: 'full', batch: { timeout_ms: 1 } },
        { type: 'ok', name: 'watch', batch: { timeout_ms: 1 } },
      ],
      pipeline: { loss_report_interval_ms: 100 },
    },
    sinkTypes: [full, watch],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  for (let i = 0; i < 5; i++) loose(p).emit('session.command', cmd.fields, ctx);
  await waitFor(() => watch.got.some((e) => e.type === 'audit.loss'), 'a periodic audit.loss event');
  const loss = watch.got.find((e) => e.type === 'audit.loss')!;
  assert.equal(loss.source, 'sink:full');
  assert.equal(loss.reason, 'rejected');
  assert.ok((loss.count as number) >= 1);
  assert.ok((loss.window_start as string) <= (loss.window_end as string));
  assert.equal(loss.session_id, undefined);
  await p.close();
});

test('a loss report enters a full drop_newest queue by evicting the oldest waiting event, which the next report counts', async () => {
  let release: (() => void) | undefined;
  const held = sinkType('held', () => new Promise<SendResult>((r) => (release = () => r(SENT))));
  const lost: string[] = [];
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'held',
          buffer: { max_events: 4, when_full: 'drop_newest' },
          batch: { max_events: 1, timeout_ms: 0 },
          max_in_flight: 1,
        },
      ],
    },
    sinkTypes: [held],
    dataDir: '/nonexistent',
    logger: silentLogger,
    onLoss: (_s, evs, reason) => lost.push(...evs.map((e) => `${e.type}:${e.seq}:${reason}`)),
  });
  for (let i = 0; i < 6; i++) loose(p).emit('session.command', cmd.fields, ctx);
  await waitFor(() => held.calls === 1, 'the first send');
  // Queue: 1 in flight + 3 waiting; seqs 5 and 6 were dropped (newest).
  assert.deepEqual(lost, ['session.command:5:queue_full', 'session.command:6:queue_full']);
  p.reportLoss();
  assert.deepEqual(
    lost.slice(2),
    ['session.command:2:queue_full'],
    'the loss report evicted the oldest waiting event',
  );
  let closed = false;
  const drained = p.close(30_000).then(() => {
    closed = true;
  });
  // The sink answers each send as it comes, until close has drained everything.
  while (!closed) {
    const r = release;
    release = undefined;
    r?.();
    await new Promise((res) => setTimeout(res, 2));
  }
  await drained;
  const losses = held.got.filter((e) => e.type === 'audit.loss');
  const total = losses.reduce((n, e) => n + (e.count as number), 0);
  assert.equal(
    total,
    p.stats().sinks[0]!.dropped_total,
    'every drop reached the stream in an audit.loss count',
  );
});

test('an invalid event is logged, counted, never sent, and leaves a seq gap that audit.loss accounts for', async () => {
  const sink = okSink();
  const logs: string[] = [];
  const p = await startPipeline({
    config: { sinks: [{ type: 'ok', batch: { timeout_ms: 1 } }] },
    sinkTypes: [sink],
    dataDir: '/nonexistent',
    logger: createLogger({ write: (l) => logs.push(l) }),
  });
  loose(p).emit('session.command', cmd.fields, ctx);
  loose(p).emit('session.command', { ...cmd.fields, pid: 'not a number' }, ctx);
  loose(p).emit('session.command', { ...cmd.fields, extra: 1 }, ctx);
  loose(p).emit('session.teleport', {}, ctx);
  loose(p).emit('session.command', cmd.fields, { ...ctx, client_addr: 'nowhere' });
  loose(p).emit('session.start', { kind: 'shell', pty: false }, undefined);
  loose(p).emit('session.command', null as never, ctx);
  loose(p).emit('session.command', cmd.fields, 'not a context' as never);
  loose(p).emit('session.command', cmd.fields, ctx);
  await p.close();
  assert.equal(p.stats().invalid, 7);
  const sent = sink.got.filter((e) => e.type === 'session.command');
  assert.deepEqual(
    sent.map((e) => e.seq),
    [1, 5],
    'seq 2, 3 and 4 (invalid in this session) are gaps',
  );
  const loss = sink.got.find((e) => e.type === 'audit.loss')!;
  assert.deepEqual([loss.source, loss.reason, loss.count], ['pipeline', 'invalid', 7]);
  assert.ok(
    logs.some((l) => l.includes('ERROR invalid event dropped') && l.includes('/pid must be integer')),
  );
  assert.ok(logs.some((l) => l.includes('/extra is not allowed')));
  assert.ok(logs.some((l) => l.includes('unknown event type')));
  assert.ok(logs.some((l) => l.includes('context: /session_id is required')));
});

test('filter.types sends only those types to a sink (and audit.loss always)', async () => {
  const some = okSink();
  const p = await startPipeline({
    config: {
      sinks: [{ type: 'ok', filter: { types: ['session.start', 'session.end'] }, batch: { timeout_ms: 1 } }],
    },
    sinkTypes: [some],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  for (const type of ['session.start', 'session.command', 'session.end', 'auth.success']) {
    const e = asEmit(type);
    loose(p).emit(type, e.fields, e.context);
  }
  loose(p).emit('audit.loss', asEmit('audit.loss').fields);
  await p.close();
  assert.deepEqual(
    some.got.map((e) => e.type),
    ['session.start', 'session.end', 'audit.loss'],
  );
});

test('a send that outlives request_timeout_ms is aborted through its signal and retried', async () => {
  let attempt = 0;
  let abortedReason = '';
  const slow = sinkType('slow', (_b, signal) => {
    attempt++;
    if (attempt > 1) return Promise.resolve(SENT);
    return new Promise((_r, reject) => {
      signal.addEventListener('abort', () => {
        abortedReason = String(signal.reason);
        reject(signal.reason);
      });
    });
  });
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'slow',
          request_timeout_ms: 10,
          retry: { initial_ms: 1, max_ms: 1 },
          batch: { timeout_ms: 1 },
        },
      ],
    },
    sinkTypes: [slow],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  loose(p).emit('session.command', cmd.fields, ctx);
  await waitFor(() => slow.got.length === 1, 'the retried send');
  const s = p.stats().sinks[0]!;
  assert.equal(s.retries, 1);
  assert.match(abortedReason, /timed out after 10 ms/);
  await p.close();
});

test('sessions active and auth failures are counted from the events as they pass', async () => {
  const p = await startPipeline({
    config: { sinks: [{ type: 'ok' }] },
    sinkTypes: [okSink()],
    dataDir: '/x',
    logger: silentLogger,
  });
  const start = asEmit('session.start');
  const end = asEmit('session.end');
  const fail = asEmit('auth.failure');
  loose(p).emit('session.start', start.fields, { ...(start.context as SessionContext), session_id: 'a' });
  loose(p).emit('session.start', start.fields, { ...(start.context as SessionContext), session_id: 'b' });
  loose(p).emit('session.end', end.fields, { ...(end.context as SessionContext), session_id: 'a' });
  p.endSession('a');
  loose(p).emit('auth.failure', fail.fields, fail.context);
  const s = p.stats();
  assert.equal(s.sessions_active, 1);
  assert.equal(s.auth_failures, 1);
  assert.equal(s.emitted['session.start'], 2);
  await p.close();
});

test('config errors name the key: unknown sink type, duplicate names, bad values, bad sink options', async () => {
  const start = (config: Record<string, unknown>) =>
    startPipeline({ config, sinkTypes: localSinkTypes, dataDir: '/tmp/x', logger: silentLogger });
  await assert.rejects(start({ sinks: [{ type: 'carrier-pigeon' }] }), (e: SshtrailError) => {
    assert.equal(e.code, 'SSHTRAIL_E_CONFIG');
    assert.match(
      e.message,
      /sinks\[0\]\.type: unknown sink type 'carrier-pigeon' \(known: file, stdout, module/,
    );
    return true;
  });
  await assert.rejects(
    start({ sinks: [{ type: 'stdout' }, { type: 'stdout' }] }),
    /sinks\[1\]\.name: 'stdout' is used by another sink/,
  );
  await assert.rejects(
    start({ sinks: [{ type: 'stdout', buffer: { max_events: 0 } }] }),
    /sinks\[0\]\.buffer\.max_events: must be >= 1/,
  );
  await assert.rejects(
    start({ sinks: [{ type: 'stdout', buffer: { when_full: 'block' } }] }),
    /sinks\[0\]\.buffer\.when_full: must be one of "drop_newest", "drop_oldest"/,
  );
  await assert.rejects(start({ sinks: [{ type: 'file', path: 3 }] }), /sinks\[0\]\.path: must be string/);
  await assert.rejects(
    start({ sinks: [{ type: 'file', colour: 'red' }] }),
    /sinks\[0\]\.colour: unknown key/,
  );
  // Every problem of a sink at once, each naming its key.
  await assert.rejects(start({ sinks: [{ type: 'file', colour: 'red', path: 3 }] }), (err: Error) => {
    assert.match(err.message, /sinks\[0\]\.colour: unknown key/);
    assert.match(err.message, /sinks\[0\]\.path: must be string/);
    return true;
  });
  await assert.rejects(
    start({ pipeline: { loss_report_interval_ms: 1 } }),
    /pipeline\.loss_report_interval_ms: must be >= 100/,
  );
  await assert.rejects(start({ metrics: { listen: 'everywhere' } }), /metrics\.listen: must match pattern/);
});

test('pipeline.validation: full validates whole stamped events and still passes every valid one', async () => {
  const sink = okSink();
  const p = await startPipeline({
    config: { sinks: [{ type: 'ok' }], pipeline: { validation: 'full' } },
    sinkTypes: [sink],
    dataDir: '/nonexistent',
    logger: silentLogger,
  });
  for (const type of [
    'auth.success',
    'auth.failure',
    'session.start',
    'session.command',
    'session.disk',
    'session.network',
    'session.end',
  ]) {
    const e = asEmit(type);
    loose(p).emit(type, e.fields, e.context);
  }
  loose(p).emit('session.command', { ...cmd.fields, argv: [1] }, ctx);
  await p.close();
  assert.equal(sink.got.filter((e) => e.type !== 'audit.loss').length, 7);
  assert.equal(p.stats().invalid, 1);
});
