/**
 * HEC request bodies written from cached heads into one buffer, against the reference envelope
 * (`Encoder.envelope`, one string per event): the same bytes, every event in exactly one body
 * or in `oversize`, no body over max_request_bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AuditEvent } from '../../core/sinks/sink.js';
import { resolveOptions, type SplunkHecOptions } from '../../sinks/splunk_hec/config.js';
import { Encoder, encodeChunks } from '../../sinks/splunk_hec/encoder.js';
import { splunkHecSinkType } from '../../sinks/splunk_hec/sink.js';
import { commandEvents, sampleEvents, sinkOptions } from './fixtures.js';

const hecOptions = (raw: Record<string, unknown>) =>
  resolveOptions(sinkOptions<SplunkHecOptions>(splunkHecSinkType, raw));

function check(batch: readonly AuditEvent[], enc: Encoder, max: number): void {
  const { chunks, oversize, sizes } = encodeChunks(batch, enc, max);
  const seen: number[] = [];
  for (const c of chunks) {
    assert.ok(c.body.length <= max, `body of ${c.body.length} bytes over ${max}`);
    assert.equal(
      c.body.toString('utf8'),
      c.indexes.map((i) => enc.envelope(batch[i] as AuditEvent)).join(''),
    );
    seen.push(...c.indexes);
  }
  for (const i of oversize) {
    assert.ok((sizes[i] as number) > max);
    assert.equal(sizes[i], Buffer.byteLength(enc.envelope(batch[i] as AuditEvent)));
  }
  assert.deepEqual(
    [...seen, ...oversize].sort((a, b) => a - b),
    batch.map((_, i) => i),
  );
}

test('hec bodies: sample events and a large batch, split under max, same bytes as the envelopes', () => {
  const enc = new Encoder(hecOptions({ endpoint: 'http://x', token: 't', index: 'sshtrail' }));
  check(sampleEvents(), enc, 1 << 20);
  check(commandEvents(2000), enc, 1 << 20);
  check(commandEvents(50), enc, 1024);
  const hosted = new Encoder(hecOptions({ endpoint: 'http://x', token: 't', host: 'fixed"host' }));
  check(sampleEvents(), hosted, 1 << 20);
});

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', 'a"b', 'é', 'lone\ud800'),
);
const event = fc
  .record({
    type: fc.constantFrom('session.command', 'session.disk', 'auth.failure', 'session.end'),
    session_id: fc.oneof(fc.constantFrom('s1', 's2', 'q"s'), fc.constant(''), fc.constant(undefined)),
    login: fc.oneof(fc.constantFrom('alice', 'bob'), text, fc.constant(undefined)),
    hostname: fc.constantFrom('host-a', 'hôte'),
    time: fc.oneof(
      fc.constantFrom(
        '2026-11-29T00:26:01.123456789Z',
        '2026-11-29T00:26:01Z',
        '2026-11-29T01:26:01.5+01:00',
      ),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
    pad: fc.string({ maxLength: 600 }),
  })
  .map((r) => {
    const e: Record<string, unknown> = { schema: 'x', id: 'i', seq: 1, server_id: 'srv' };
    for (const [k, v] of Object.entries(r)) if (v !== undefined) e[k] = v;
    return Object.freeze(e) as unknown as AuditEvent;
  });

test('hec bodies: generated events, any max', () => {
  const enc = new Encoder(hecOptions({ endpoint: 'http://x', token: 't' }));
  fc.assert(
    fc.property(
      fc.array(event, { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 200, max: 4000 }),
      (batch, max) => {
        check(batch, enc, max);
      },
    ),
    { numRuns: 300 },
  );
});
