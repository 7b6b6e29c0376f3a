/**
 * The compatibility rules of schemas/README.md, as code. schemas/lock.json records every published
 * schema $id with its version and its constraints (annotations left out). Against it:
 * - unchanged constraints: fine;
 * - only new optional fields, or new values in a field's enum: compatible, a minor version: the
 *   lock must record the bump (a consumer must already take unknown values as "other");
 * - anything else (a field removed, renamed, retyped or made required, other constraints
 *   changed, a published $id gone): incompatible; the change belongs in a new major version.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { lockForm } from './schema-tools.js';
import type { SchemaSet } from './schemas.js';

export interface LockEntry {
  version: string;
  schema: { properties: Record<string, unknown>; required: string[]; rest: Record<string, unknown> };
}
export type Lock = Record<string, LockEntry>;

export type Change =
  | { id: string; kind: 'same' }
  | { id: string; kind: 'new' }
  | { id: string; kind: 'minor'; added: string[]; widened?: string[] }
  | { id: string; kind: 'incompatible'; problems: string[] };

export function compare(set: SchemaSet, lock: Lock): Change[] {
  const out: Change[] = [];
  for (const [id, locked] of Object.entries(lock)) {
    const entry = set.byId.get(id);
    if (!entry) {
      out.push({
        id,
        kind: 'incompatible',
        problems: ['published schema removed: majors are served side by side, never deleted'],
      });
      continue;
    }
    const now = lockForm(set, entry) as LockEntry['schema'];
    if (isDeepStrictEqual(now, locked.schema)) {
      out.push({ id, kind: 'same' });
      continue;
    }
    const problems: string[] = [];
    const widened: string[] = [];
    for (const [field, schema] of Object.entries(locked.schema.properties)) {
      if (!(field in now.properties)) problems.push(`field '${field}' removed or renamed`);
      else if (widensEnum(schema, now.properties[field])) widened.push(field);
      else if (!isDeepStrictEqual(now.properties[field], schema))
        problems.push(`field '${field}' changed its type or constraints`);
    }
    if (!isDeepStrictEqual(now.required, locked.schema.required)) {
      problems.push(`required fields changed from [${locked.schema.required}] to [${now.required}]`);
    }
    if (!isDeepStrictEqual(now.rest, locked.schema.rest)) problems.push('top-level constraints changed');
    const added = Object.keys(now.properties).filter((f) => !(f in locked.schema.properties));
    out.push(
      problems.length
        ? { id, kind: 'incompatible', problems }
        : { id, kind: 'minor', added, ...(widened.length ? { widened } : {}) },
    );
  }
  for (const id of set.byId.keys()) if (!(id in lock)) out.push({ id, kind: 'new' });
  return out;
}

/** `now` is `before` with values added to its enum (and nothing else changed). */
function widensEnum(before: unknown, now: unknown): boolean {
  if (typeof before !== 'object' || typeof now !== 'object' || before === null || now === null) return false;
  const b = before as Record<string, unknown>;
  const n = now as Record<string, unknown>;
  if (!Array.isArray(b.enum) || !Array.isArray(n.enum) || n.enum.length <= b.enum.length) return false;
  const values = n.enum as unknown[];
  if (!b.enum.every((v) => values.some((x) => isDeepStrictEqual(x, v)))) return false;
  return isDeepStrictEqual({ ...b, enum: undefined }, { ...n, enum: undefined });
}

function bumpMinor(v: string): string {
  const [maj, min] = v.split('.').map(Number);
  return `${maj}.${(min ?? 0) + 1}.0`;
}

/** The lock after recording compatible changes; throws on incompatible ones. */
export function updatedLock(set: SchemaSet, lock: Lock): Lock {
  const next: Lock = {};
  const bad: string[] = [];
  for (const c of compare(set, lock)) {
    const entry = set.byId.get(c.id);
    if (c.kind === 'incompatible') {
      bad.push(`${c.id}: ${c.problems.join('; ')}`);
      continue;
    }
    if (!entry) continue;
    const schema = lockForm(set, entry) as LockEntry['schema'];
    const prev = lock[c.id]?.version;
    const version =
      c.kind === 'new'
        ? `${entry.major}.0.0`
        : c.kind === 'minor'
          ? bumpMinor(prev ?? '1.0.0')
          : (prev as string);
    next[c.id] = { version, schema };
  }
  if (bad.length) {
    throw new Error(
      `incompatible changes to published schemas (add a new major version beside them instead):\n  ${bad.join('\n  ')}`,
    );
  }
  return Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b)));
}

/** schemas/lock.json of the set's directory ({} when absent). */
export function readLock(set: SchemaSet): Lock {
  try {
    return JSON.parse(readFileSync(join(set.dir, 'lock.json'), 'utf8')) as Lock;
  } catch {
    return {};
  }
}
