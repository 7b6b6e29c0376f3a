import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventClock } from '../../core/events/clock.js';
import { resolveRef, shippedSchemas } from '../../core/events/schemas.js';
import { compileFieldsSerializer } from '../../core/events/serialize.js';
import { FullValidators, fieldsSchema, formatErrors } from '../../core/events/validators.js';
import { asEmit, sample, sampleTypes } from '../pipeline/helpers.js';

const set = shippedSchemas();

test('there is a sample event per type under examples/events, and each validates against its schema', () => {
  assert.deepEqual(sampleTypes(), [...set.types.keys()].sort());
  const full = new FullValidators(set);
  for (const type of sampleTypes()) {
    const ev = sample(type);
    assert.equal(ev.type, type);
    const v = full.get(ev.schema as string);
    assert.ok(v, `${type}: unknown schema ${String(ev.schema)}`);
    assert.ok(v(ev), `${type}: ${formatErrors(v.errors).join('; ')}`);
  }
});

test('every schema has a versioned $id, a type const, and a description and example on every field', () => {
  for (const [type, entries] of set.types) {
    for (const e of entries) {
      assert.match(e.id, new RegExp(`/${type.replace('.', '\\.')}/v${e.major}\\.json$`));
      const props = e.schema.properties ?? {};
      assert.deepEqual(props.type?.const, type);
      assert.deepEqual(props.schema?.const, e.id);
      for (const [k, p] of Object.entries(props)) {
        assert.ok(p.description, `${e.id}: ${k} has no description`);
        assert.ok(Array.isArray(p.examples) && p.examples.length, `${e.id}: ${k} has no example`);
      }
    }
  }
  for (const [k, p] of Object.entries(set.envelope.schema.properties ?? {})) {
    assert.ok(p.description && Array.isArray(p.examples), `envelope: ${k} lacks description or example`);
  }
});

test('a sample altered in each way a producer can get wrong fails validation', () => {
  const full = new FullValidators(set);
  const v = full.get('https://sshtrail.dev/schemas/session.command/v1.json')!;
  const base = sample('session.command');
  const bad: [string, Record<string, unknown>][] = [
    ['missing field', { ...base, pid: undefined }],
    ['wrong type', { ...base, argv: 'ls -la' }],
    ['unknown field', { ...base, colour: 'blue' }],
    ['bad time', { ...base, time: '2026-11-29T00:31:09Z' }],
    ['bad address', { ...base, client_addr: '300.1.1.1' }],
    ['wrong schema', { ...base, schema: 'https://sshtrail.dev/schemas/session.disk/v1.json' }],
  ];
  for (const [what, ev] of bad) assert.equal(v(JSON.parse(JSON.stringify(ev))), false, what);
});

test('the compiled fields serialiser writes the same JSON as JSON.stringify for any valid fields', () => {
  for (const type of set.types.keys()) {
    const entry = set.types.get(type)!.at(-1)!;
    const fs = fieldsSchema(set, entry);
    const ser = compileFieldsSerializer(fs.properties ?? {}, (r) => resolveRef(set, r));
    const { fields } = asEmit(type);
    assert.deepEqual(JSON.parse(`{${ser(fields).slice(1)}}`), fields, type);
  }
  const ser = compileFieldsSerializer(
    {
      a: { type: 'string' },
      b: { type: 'array', items: { type: 'string' } },
      c: { type: 'integer' },
      d: { type: 'object' },
    },
    () => undefined,
  );
  fc.assert(
    fc.property(
      fc.record(
        {
          a: fc.string({ unit: 'binary' }),
          b: fc.array(fc.string({ unit: 'binary' })),
          c: fc.integer(),
          d: fc.object(),
        },
        { requiredKeys: [] },
      ),
      (f) => {
        const out = ser(f as Record<string, unknown>);
        // Byte for byte: in schema order, JSON.stringify writes exactly these members.
        const { a, b, c, d } = f as Record<string, unknown>;
        assert.equal(`{${out.slice(1)}}`, JSON.stringify({ a, b, c, d }));
      },
    ),
    { numRuns: 300 },
  );
  // Short strings are checked by a loop, long ones by a regular expression: both sides of the
  // boundary, with each character that must be escaped at each end and in the middle.
  const special = ['"', '\\', '\n', '\u0000', '\u001f', '\ud800', '\udfff', 'é', '\u2028', '\ud83d\ude00'];
  for (const len of [0, 1, 23, 24, 25, 200]) {
    for (const ch of special) {
      for (const at of [0, Math.floor(len / 2), len]) {
        const s = 'x'.repeat(at) + ch + 'y'.repeat(Math.max(0, len - at));
        const f = { a: s, b: [s, 'plain', s] };
        assert.equal(`{${ser(f).slice(1)}}`, JSON.stringify(f), JSON.stringify(s));
      }
    }
  }
});

test('event ids are UUIDv7, unique and in emit order; times are RFC 3339 UTC with nanoseconds and never go back', () => {
  const clock = new EventClock();
  let prev = { id: '', time: '' };
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) {
    const s = clock.stamp();
    assert.match(s.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(s.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.ok(s.id > prev.id, `${s.id} after ${prev.id}`);
    assert.ok(s.time >= prev.time);
    assert.ok(!seen.has(s.id));
    seen.add(s.id);
    prev = s;
  }
  const t = Date.parse(prev.time.slice(0, 23));
  assert.ok(Math.abs(t - Date.now()) < 60_000, 'anchored to the wall clock');
});
