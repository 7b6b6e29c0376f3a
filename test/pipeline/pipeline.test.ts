import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { shippedSchemas } from '../../core/events/schemas.js';
import { FullValidators, formatErrors } from '../../core/events/validators.js';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import { type AuditEvent, type EventOf, eventJson, SENT, type SinkType } from '../../core/sinks/sink.js';
import { asEmit, localSinkTypes, loose, sampleTypes } from './helpers.js';

test('with no sinks configured, events go to <data dir>/events/audit.ndjson (0600 in a 0700 dir) and validate', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sshtrail-pipe-'));
  try {
    const p = await startPipeline({
      config: {},
      sinkTypes: localSinkTypes,
      dataDir,
      serverId: 's1',
      hostname: 'h1',
      logger: silentLogger,
    });
    const types = sampleTypes();
    for (const type of types) {
      const { fields, context } = asEmit(type);
      loose(p).emit(type, fields, context);
    }
    await p.close();
    const file = join(dataDir, 'events', 'audit.ndjson');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'events')).mode & 0o777, 0o700);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, types.length);
    const full = new FullValidators(shippedSchemas());
    for (const line of lines) {
      const ev = JSON.parse(line) as { type: string; schema: string; server_id: string };
      const v = full.get(ev.schema);
      assert.ok(v, `validator for ${ev.schema}`);
      assert.ok(v(ev), `${ev.type}: ${formatErrors(v.errors).join('; ')}`);
      assert.equal(ev.server_id, 's1');
    }
    assert.deepEqual(p.stats().invalid, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('stamps per-session seq from 1 and a per-server seq outside sessions', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sshtrail-pipe-'));
  try {
    const p = await startPipeline({ config: {}, sinkTypes: localSinkTypes, dataDir, logger: silentLogger });
    const cmd = asEmit('session.command');
    const ctxA = { ...(cmd.context as object), session_id: 'A' } as never;
    const ctxB = { ...(cmd.context as object), session_id: 'B' } as never;
    const auth = asEmit('auth.success');
    loose(p).emit('auth.success', auth.fields, auth.context);
    loose(p).emit('session.command', cmd.fields, ctxA);
    loose(p).emit('session.command', cmd.fields, ctxA);
    loose(p).emit('session.command', cmd.fields, ctxB);
    loose(p).emit('auth.success', auth.fields, auth.context);
    loose(p).emit('session.command', cmd.fields, ctxA);
    p.endSession('A');
    // A late event for the ended session, on a new context object, numbers on.
    loose(p).emit('session.command', cmd.fields, { ...(cmd.context as object), session_id: 'A' } as never);
    await p.close();
    const evs = readFileSync(join(dataDir, 'events', 'audit.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { type: string; seq: number; session_id?: string; id: string; time: string },
      );
    assert.deepEqual(
      evs.map((e) => `${e.session_id ?? '-'}:${e.seq}`),
      ['-:1', 'A:1', 'A:2', 'B:1', '-:2', 'A:3', 'A:4'],
    );
    const ids = evs.map((e) => e.id);
    assert.deepEqual([...ids].sort(), ids, 'ids sort in emit order');
    const times = evs.map((e) => e.time);
    assert.deepEqual([...times].sort(), times, 'times never go backwards');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a sink is handed frozen events whose one-time JSON says exactly what the object says', async () => {
  const seen: AuditEvent[] = [];
  const capture: SinkType = {
    type: 'capture',
    description: 'test',
    configSchema: { type: 'object' },
    create: (_o, c) => ({
      name: c.name,
      send: async (batch) => {
        seen.push(...batch);
        return SENT;
      },
      close: async () => {},
    }),
  };
  const p = await startPipeline({
    config: { sinks: [{ type: 'capture' }] },
    sinkTypes: [capture],
    dataDir: '/x',
    logger: silentLogger,
  });
  for (const type of sampleTypes()) {
    const { fields, context } = asEmit(type);
    loose(p).emit(type, fields, context);
  }
  const start = asEmit('session.start');
  loose(p).emit('session.start', { ...start.fields, term: undefined }, start.context);
  await p.close();
  assert.equal(seen.length, sampleTypes().length + 1);
  assert.equal((seen.at(-1) as EventOf<'session.start'> | undefined)?.term, undefined);
  assert.ok(!eventJson(seen.at(-1)!).includes('"term"'), 'an undefined optional field is left out');
  for (const ev of seen) {
    assert.ok(Object.isFrozen(ev), `${ev.type} is frozen`);
    assert.deepEqual(JSON.parse(eventJson(ev)), JSON.parse(JSON.stringify(ev)), ev.type);
    assert.equal(eventJson(ev).length, JSON.stringify(ev).length, `${ev.type}: same bytes as JSON.stringify`);
  }
});
