/**
 * Every ECS field the Elasticsearch sink writes exists in ECS's own field list with a compatible
 * type, and categorisation values are ECS's allowed values. The list is read where it lies
 * (../shared/data/ecs/ecs_flat.yml from the repository root), never copied; where it is absent
 * the test skips with that reason (it is data, not privilege).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { packageRoot } from '../../core/paths.js';
import { ecsFieldTypes } from '../../sinks/elasticsearch/ecs-fields.js';
import { ecsDocument, SessionStarts } from '../../sinks/elasticsearch/encoder.js';
import { sampleEvents } from './fixtures.js';

const ecsFile = resolve(packageRoot(), '../shared/data/ecs/ecs_flat.yml');

interface EcsField {
  type: string;
  allowed_values?: { name: string; expected_event_types?: string[] }[];
}

/** Our mapping type -> the ECS types it may stand for. */
const compatible: Record<string, string[]> = {
  date: ['date'],
  date_nanos: ['date'],
  keyword: ['keyword', 'constant_keyword', 'wildcard', 'flattened'],
  constant_keyword: ['constant_keyword', 'keyword'],
  wildcard: ['wildcard', 'keyword'],
  match_only_text: ['match_only_text', 'text'],
  long: ['long', 'integer', 'short'],
  ip: ['ip'],
  boolean: ['boolean'],
};

function leaves(
  obj: Record<string, unknown>,
  prefix = '',
  out = new Map<string, unknown>(),
): Map<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) leaves(v as Record<string, unknown>, path, out);
    else out.set(path, v);
  }
  return out;
}

function valueFits(esType: string, v: unknown): boolean {
  const vals = Array.isArray(v) ? v : [v];
  return vals.every((x) => {
    if (['long'].includes(esType)) return Number.isInteger(x);
    if (esType === 'boolean') return typeof x === 'boolean';
    return typeof x === 'string';
  });
}

test('every ECS field the elasticsearch sink writes exists in ecs_flat.yml with a compatible type and allowed values', (t) => {
  if (!existsSync(ecsFile)) {
    t.skip(`ECS field list not found at ${ecsFile}`);
    return;
  }
  const ecs = parse(readFileSync(ecsFile, 'utf8'), { maxAliasCount: -1 }) as Record<string, EcsField>;
  for (const [field, ours] of Object.entries(ecsFieldTypes)) {
    const def = ecs[field];
    assert.ok(def, `${field} is an ECS field`);
    assert.ok(compatible[ours]?.includes(def.type), `${field}: our ${ours} vs ECS ${def.type}`);
  }
  const starts = new SessionStarts();
  const categories = new Map(
    (ecs['event.category']?.allowed_values ?? []).map((a) => [a.name, a.expected_event_types ?? []]),
  );
  for (const e of sampleEvents()) {
    starts.note(e);
    const doc = ecsDocument(e, 'default', starts);
    for (const [field, value] of leaves(doc)) {
      const ours = (ecsFieldTypes as Record<string, string>)[field];
      assert.ok(ours, `${e.type}: ${field} is in the sink's ECS field table`);
      assert.ok(valueFits(ours, value), `${e.type}: ${field}=${JSON.stringify(value)} fits ${ours}`);
      const allowed = ecs[field]?.allowed_values?.map((a) => a.name);
      if (allowed) {
        for (const v of Array.isArray(value) ? value : [value])
          assert.ok(
            allowed.includes(v as string),
            `${e.type}: ${field}=${String(v)} is an allowed ECS value`,
          );
      }
    }
    const ev = doc.event as { category?: string[]; type?: string[] };
    for (const c of ev.category ?? []) {
      for (const ty of ev.type ?? [])
        assert.ok(categories.get(c)?.includes(ty), `${e.type}: event.type ${ty} expected for category ${c}`);
    }
  }
});
