/**
 * The bulk writer (fragments straight into a Buffer) against the reference encoder
 * (ecsDocument + JSON.stringify): byte for byte the same body, for the sample events and for
 * generated ones (escapes, non-ASCII, lone surrogates, long strings, odd numbers, missing or
 * mistyped fields, sessions whose start becomes known or whose context changes mid-way).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonWriter } from '../../core/sinks/json-writer.js';
import type { AuditEvent } from '../../core/sinks/sink.js';
import { BulkWriter } from '../../sinks/elasticsearch/bulk-writer.js';
import { encodeBulk, SessionStarts } from '../../sinks/elasticsearch/encoder.js';
import { commandEvents, sampleEvents } from './fixtures.js';

function both(batches: AuditEvent[][], namespace = 'default'): void {
  const refStarts = new SessionStarts();
  const writer = new BulkWriter(namespace, new SessionStarts());
  for (const batch of batches) {
    const want = encodeBulk(batch, namespace, refStarts);
    const got = writer.encode(batch).toString('utf8');
    assert.equal(got, want);
    // Parsed, too: every line is JSON and the documents are the same values.
    const lines = got.split('\n').filter((l) => l.length > 0);
    assert.equal(lines.length, batch.length * 2);
    for (const l of lines) JSON.parse(l);
  }
}

test('bulk writer: sample events of every type, one batch and one event per batch', () => {
  const evs = sampleEvents();
  both([evs]);
  both(evs.map((e) => [e]));
  both([commandEvents(300)], 'prod');
});

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ minLength: 40, maxLength: 120 }),
  fc.string({ unit: 'grapheme', minLength: 30, maxLength: 90 }),
  fc.constantFrom(
    '',
    'a"b',
    'back\\slash',
    'nul\u0000',
    'lone\ud800',
    'é',
    'tab\there',
    '/usr/bin/ls',
    'x'.repeat(49),
  ),
);
const number = fc.oneof(
  fc.integer(),
  fc.integer({ min: 0, max: 70_000 }),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    9,
    10,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1.5,
    2 ** 53 + 2,
    0xffffffffffff,
    0xffffffffffff + 1,
    1e21,
  ),
);
/** A field's value: usually of the schema's type, sometimes missing or of another type. */
const maybe = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 8, arbitrary: a }, fc.constant(undefined), fc.constantFrom(null, 'x', 3, true, ['a']));

const session = fc.record({
  session_id: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('s1', 's2', 'ses"3') },
    fc.constant(''),
    fc.constant(undefined),
  ),
  login: maybe(fc.oneof(fc.constantFrom('alice', 'bob'), text)),
  client_addr: maybe(fc.constantFrom('192.0.2.10', '2001:db8::1')),
  client_port: maybe(number),
  hostname: fc.constantFrom('host-a', 'host"b', 'hôte'),
  server_id: fc.constantFrom('srv-1', 'srv-2'),
});

const kernel = fc.oneof(
  fc.record({
    type: fc.constant('session.command'),
    pid: maybe(number),
    ppid: maybe(number),
    program: maybe(text),
    path: maybe(text),
    argv: maybe(fc.array(text, { maxLength: 5 })),
    return_code: maybe(number),
    uid: maybe(number),
    gid: maybe(number),
  }),
  fc.record({
    type: fc.constant('session.disk'),
    pid: maybe(number),
    program: maybe(text),
    path: maybe(fc.oneof(text, fc.constantFrom('/', '/etc/passwd', 'relative', '/a/b/'))),
    flag_names: maybe(
      fc.subarray(['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC', 'O_APPEND', 'O_CLOEXEC']),
    ),
    return_code: maybe(number),
  }),
  fc.record({
    type: fc.constant('session.network'),
    pid: maybe(number),
    program: maybe(text),
    src_addr: maybe(fc.constantFrom('10.0.0.2', '::1')),
    src_port: maybe(number),
    dst_addr: maybe(fc.constantFrom('93.184.216.34', 'fe80::1')),
    dst_port: maybe(number),
    ip_version: maybe(fc.constantFrom(4, 6)),
    protocol: maybe(fc.constantFrom('tcp', 'udp', '')),
    return_code: maybe(number),
  }),
  fc.record({
    type: fc.constantFrom('session.start', 'session.end', 'auth.success'),
    pty: maybe(fc.boolean()),
  }),
);

const event = fc
  .record({
    session,
    fields: kernel,
    id: fc.oneof({ weight: 9, arbitrary: fc.uuid() }, text),
    seq: maybe(fc.nat()),
    time: fc.oneof(
      fc.constant('2026-11-29T00:31:09.523456789Z'),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    ),
  })
  .map(({ session: s, fields, id, seq, time }) => {
    const e: Record<string, unknown> = { schema: 'https://sshtrail.dev/schemas/x/v1.json', id, time, seq };
    for (const [k, v] of Object.entries({ ...s, ...fields })) if (v !== undefined) e[k] = v;
    return Object.freeze(e) as unknown as AuditEvent;
  });

test('bulk writer: generated events give the same bytes as the reference encoder', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(event, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
      (batches) => {
        both(batches);
      },
    ),
    { numRuns: 400 },
  );
});

test('json writer: strings and numbers exactly as JSON.stringify writes them', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(text, number), { maxLength: 20 }), (values) => {
      const w = new JsonWriter(16); // small: growth is exercised too
      let want = '';
      for (const v of values) {
        if (typeof v === 'string') w.str(v);
        else w.num(v);
        want += JSON.stringify(v);
      }
      assert.equal(w.result().toString('utf8'), want);
    }),
    { numRuns: 500 },
  );
});
