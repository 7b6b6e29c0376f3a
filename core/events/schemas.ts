/**
 * The event schemas as shipped in schemas/: one directory per type, one file per major version
 * (`schemas/<type>/v<major>.json`), plus the shared envelope (`schemas/envelope/v1.json`). The
 * files are the source of truth; TypeScript types, docs and validators all follow from them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

export type JsonSchema = Record<string, unknown> & {
  $id?: string;
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
};

export interface SchemaEntry {
  /** Event type, e.g. "session.command" ("envelope" for the envelope). */
  type: string;
  major: number;
  /** The schema's $id; events carry it in their `schema` field. */
  id: string;
  schema: JsonSchema;
  /** Path relative to the schemas directory, e.g. "session.command/v1.json". */
  file: string;
}

export interface SchemaSet {
  dir: string;
  envelope: SchemaEntry;
  /** Event types (not the envelope), each with its majors in ascending order. */
  types: Map<string, SchemaEntry[]>;
  byId: Map<string, SchemaEntry>;
}

export const ENVELOPE_TYPE = 'envelope';
export const SCHEMA_BASE = 'https://sshtrail.dev/schemas/';

export function schemaId(type: string, major: number): string {
  return `${SCHEMA_BASE}${type}/v${major}.json`;
}

export function schemasDir(): string {
  return join(packageRoot(), 'schemas');
}

/** Reads every schema file once. Throws on a file whose $id does not match its path. */
export function loadSchemas(dir: string = schemasDir()): SchemaSet {
  const types = new Map<string, SchemaEntry[]>();
  const byId = new Map<string, SchemaEntry>();
  let envelope: SchemaEntry | undefined;
  for (const type of readdirSync(dir).sort()) {
    if (!statSync(join(dir, type)).isDirectory()) continue;
    const entries: SchemaEntry[] = [];
    for (const file of readdirSync(join(dir, type))) {
      const m = /^v([0-9]+)\.json$/.exec(file);
      if (!m) continue;
      const major = Number(m[1]);
      const schema = JSON.parse(readFileSync(join(dir, type, file), 'utf8')) as JsonSchema;
      const id = schemaId(type, major);
      if (schema.$id !== id)
        throw new Error(`schemas/${type}/${file}: $id must be ${id}, found ${schema.$id}`);
      const entry: SchemaEntry = { type, major, id, schema, file: `${type}/${file}` };
      byId.set(id, entry);
      entries.push(entry);
    }
    entries.sort((a, b) => a.major - b.major);
    if (type === ENVELOPE_TYPE) envelope = entries[entries.length - 1];
    else if (entries.length) types.set(type, entries);
  }
  if (!envelope) throw new Error(`${dir}: no envelope schema`);
  return { dir, envelope, types, byId };
}

/** The version producers stamp today: the highest major of the type. */
export function currentEntry(set: SchemaSet, type: string): SchemaEntry | undefined {
  const list = set.types.get(type);
  return list?.[list.length - 1];
}

/** Every known `type vN` pair, for error messages that list what exists. */
export function describeKnown(set: SchemaSet, type?: string): string {
  const list = type !== undefined ? (set.types.get(type) ?? []) : [...set.types.values()].flat();
  return list.map((e) => e.id).join(', ');
}

/** Names of the envelope's own properties (stamped by the pipeline, never passed as fields). */
export function envelopeKeys(set: SchemaSet): string[] {
  return Object.keys(set.envelope.schema.properties ?? {});
}

let cached: SchemaSet | undefined;
/** The schemas shipped with this package, loaded once. */
export function shippedSchemas(): SchemaSet {
  cached ??= loadSchemas();
  return cached;
}

/** Resolves an absolute `$ref` (schema $id + JSON pointer fragment) within the set. */
export function resolveRef(set: SchemaSet, ref: string): JsonSchema | undefined {
  const [base, pointer = ''] = ref.split('#');
  let node: unknown = set.byId.get(base ?? '')?.schema;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node as JsonSchema | undefined;
}
