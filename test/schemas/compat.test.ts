import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateAll, readLock, stale } from '../../core/events/codegen.js';
import { compare, updatedLock } from '../../core/events/compat.js';
import { loadSchemas, type SchemaSet, shippedSchemas } from '../../core/events/schemas.js';

const fix = 'rebuild and run `node dist/core/events/codegen.js` (see schemas/README.md)';

test('no published schema changed incompatibly, and every schema and version is recorded in schemas/lock.json', () => {
  const set = shippedSchemas();
  const changes = compare(set, readLock(set)).filter((c) => c.kind !== 'same');
  const incompatible = changes.filter((c) => c.kind === 'incompatible');
  assert.deepEqual(incompatible, [], 'incompatible change: make it a new major version beside the old one');
  assert.deepEqual(
    changes,
    [],
    `schemas changed compatibly or were added without recording a version: ${fix}`,
  );
});

test('the generated types, docs and lock are up to date with the schemas', async () => {
  assert.deepEqual(stale(await generateAll()), [], `stale generated files: ${fix}`);
});

type S = { properties: Record<string, Record<string, unknown>>; required: string[] };

/** A copy of the shipped set with one schema edited. */
function edited(id: string, edit: (schema: S) => void): SchemaSet {
  const set = loadSchemas();
  const entry = set.byId.get(id)!;
  const schema = structuredClone(entry.schema) as unknown as S;
  edit(schema);
  entry.schema = schema as unknown as typeof entry.schema;
  return set;
}

const CMD = 'https://sshtrail.dev/schemas/session.command/v1.json';

test('the compatibility check calls removed, renamed, retyped and newly required fields incompatible', () => {
  const lock = readLock(shippedSchemas());
  const cases: [string, (s: S) => void][] = [
    [
      'removed',
      (s) => {
        delete s.properties.ppid;
      },
    ],
    [
      'renamed',
      (s) => {
        s.properties.parent_pid = s.properties.ppid!;
        delete s.properties.ppid;
      },
    ],
    [
      'retyped',
      (s) => {
        s.properties.pid = { type: 'string', description: 'x', examples: ['1'] };
      },
    ],
    [
      'new required field',
      (s) => {
        s.properties.term = { type: 'string' };
        s.required.push('term');
      },
    ],
    [
      'optional field made required',
      (s) => {
        s.required = s.required.filter((k) => k !== 'uid');
      },
    ],
  ];
  for (const [what, edit] of cases) {
    const c = compare(edited(CMD, edit), lock).find((x) => x.id === CMD);
    assert.equal(c?.kind, 'incompatible', what);
    assert.throws(() => updatedLock(edited(CMD, edit), lock), /incompatible/, what);
  }
  const envChange = compare(
    edited('https://sshtrail.dev/schemas/envelope/v1.json', (s) => {
      s.properties.seq!.type = 'string';
    }),
    lock,
  );
  assert.ok(
    envChange.filter((c) => c.kind === 'incompatible').length >= 8,
    'an envelope change counts against every type',
  );
});

test('a new optional field is a compatible change recorded as a minor version; descriptions are free', () => {
  const lock = readLock(shippedSchemas());
  const added = edited(
    CMD,
    (s) => (s.properties.tty = { type: 'string', description: 'x', examples: ['pts/1'] }),
  );
  assert.deepEqual(
    compare(added, lock).find((c) => c.id === CMD),
    { id: CMD, kind: 'minor', added: ['tty'] },
  );
  // One minor version up from what the lock records now, patch reset.
  const [major, minor] = String(lock[CMD]?.version).split('.').map(Number);
  assert.equal(updatedLock(added, lock)[CMD]?.version, `${major}.${(minor ?? 0) + 1}.0`);
  const described = edited(CMD, (s) => {
    s.properties.pid!.description = 'another wording';
  });
  assert.equal(compare(described, lock).find((c) => c.id === CMD)?.kind, 'same');
});

const LOSS = 'https://sshtrail.dev/schemas/audit.loss/v1.json';

test('a new value in an enum is a minor version; a value taken away is incompatible', () => {
  const lock = readLock(shippedSchemas());
  const reasons = (lock[LOSS]!.schema.properties.reason as { enum: string[] }).enum;
  const widened = edited(LOSS, (s) => {
    s.properties.reason!.enum = [...reasons, 'cosmic_ray'];
  });
  assert.deepEqual(
    compare(widened, lock).find((c) => c.id === LOSS),
    { id: LOSS, kind: 'minor', added: [], widened: ['reason'] },
  );
  const narrowed = edited(LOSS, (s) => {
    s.properties.reason!.enum = reasons.slice(1);
  });
  assert.equal(compare(narrowed, lock).find((c) => c.id === LOSS)?.kind, 'incompatible');
  const swapped = edited(LOSS, (s) => {
    s.properties.reason!.enum = [...reasons.slice(1), 'cosmic_ray'];
  });
  assert.equal(compare(swapped, lock).find((c) => c.id === LOSS)?.kind, 'incompatible');
});
