/**
 * The sshtrail.* mappings come from the schemas (sinks/elasticsearch/schema-mappings.ts): every
 * field of every schema is mapped explicitly, no two schemas type a path differently, and every
 * shipped example event indexes under them by Elasticsearch's own acceptance rules (a long takes
 * an integer, an ip an address, ...). This caught session.sftp's `flags` (names) meeting
 * session.disk's (a number) in one long field, which would have rejected every sftp document.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { shippedSchemas } from '../../core/events/schemas.js';
import { packageRoot } from '../../core/paths.js';
import { sshtrailFieldTypes } from '../../sinks/elasticsearch/ecs-fields.js';
import { deriveMappings } from '../../sinks/elasticsearch/schema-mappings.js';

/** Whether Elasticsearch indexes `v` into a field of `type` (without coercing strings to numbers). */
function accepts(type: string, v: unknown): boolean {
  switch (type) {
    case 'long':
    case 'byte':
    case 'unsigned_long':
      return typeof v === 'number' && Number.isInteger(v) && (type !== 'unsigned_long' || v >= 0);
    case 'double':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'keyword':
    case 'wildcard':
    case 'match_only_text':
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    case 'ip':
      return typeof v === 'string' && isIP(v) !== 0;
    case 'date_nanos':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v));
    case 'flattened':
      return typeof v === 'object' && v !== null;
    default:
      return false;
  }
}

test('no two schemas type one field differently', () => {
  assert.deepEqual(deriveMappings(shippedSchemas()).conflicts, []);
});

test("every schema's fields are mapped explicitly, as the schema types them", () => {
  const set = shippedSchemas();
  for (const entry of [set.envelope, ...[...set.types.values()].flat()]) {
    for (const name of Object.keys(entry.schema.properties ?? {})) {
      const mapped = Object.keys(sshtrailFieldTypes).some((p) => p === name || p.startsWith(`${name}.`));
      assert.ok(mapped, `${entry.file}: ${name} has no mapping`);
    }
  }
  assert.equal(sshtrailFieldTypes.time, 'date_nanos');
  assert.equal(sshtrailFieldTypes.client_addr, 'ip');
  assert.equal(sshtrailFieldTypes.command, 'wildcard');
  assert.equal(sshtrailFieldTypes['attrs.size'], 'long');
});

test('every example event indexes under the mappings', () => {
  const dir = join(packageRoot(), 'examples/events');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 10);
  for (const f of files) {
    const event = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    const check = (path: string, v: unknown) => {
      if (Array.isArray(v)) {
        for (const x of v) check(path, x);
        return;
      }
      const type = sshtrailFieldTypes[path];
      if (type === undefined && typeof v === 'object' && v !== null) {
        for (const [k, x] of Object.entries(v)) check(`${path}.${k}`, x);
        return;
      }
      assert.ok(type !== undefined, `${f}: ${path} is not mapped`);
      assert.ok(accepts(type, v), `${f}: ${path} = ${JSON.stringify(v)} does not index as ${type}`);
    };
    for (const [k, v] of Object.entries(event)) check(k, v);
  }
});
