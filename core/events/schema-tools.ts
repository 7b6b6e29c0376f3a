/**
 * Views of the schemas used by the tooling (types, docs, the compatibility check): every $ref
 * inlined, the envelope merged into each type, annotations set apart from constraints.
 */
import { ENVELOPE_TYPE, type JsonSchema, resolveRef, type SchemaEntry, type SchemaSet } from './schemas.js';
import { absoluteRefs } from './validators.js';

const ANNOTATIONS = new Set(['description', 'examples', 'title', '$comment', '$schema', '$id', 'default']);

/** A copy with every $ref replaced by its target (siblings of $ref override the target's keys). */
export function deref(set: SchemaSet, schema: unknown, base: string, depth = 0): unknown {
  if (depth > 32) throw new Error('schema $refs nest too deeply');
  if (Array.isArray(schema)) return schema.map((s) => deref(set, s, base, depth + 1));
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const ref = s.$ref.startsWith('#') ? `${base}${s.$ref}` : s.$ref;
    const target = resolveRef(set, ref);
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    const { $ref: _, ...siblings } = s;
    const targetBase = ref.split('#')[0] ?? base;
    return {
      ...(deref(set, target, targetBase, depth + 1) as object),
      ...(deref(set, siblings, base, depth + 1) as object),
    };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    // properties/$defs map names to schemas: recurse into the values only.
    out[k] = deref(set, v, base, depth + 1);
  }
  return out;
}

/** Drops annotation keywords everywhere (not under `properties`, whose keys are field names). */
export function constraints(schema: unknown, parentKey = ''): unknown {
  if (Array.isArray(schema)) return schema.map((s) => constraints(s));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (parentKey !== 'properties' && ANNOTATIONS.has(k)) continue;
    out[k] = constraints(v, k);
  }
  return out;
}

export interface FlatSchema {
  /** Every field of the event (envelope and own), $refs inlined, in order. */
  properties: Record<string, JsonSchema>;
  required: string[];
  /** The remaining top-level constraints (type, unevaluatedProperties, ...). */
  rest: Record<string, unknown>;
  /** Which fields come from the envelope. */
  envelopeKeys: Set<string>;
}

export function flatten(set: SchemaSet, entry: SchemaEntry): FlatSchema {
  const own = deref(set, entry.schema, entry.id) as JsonSchema;
  const env =
    entry.type === ENVELOPE_TYPE
      ? { properties: {}, required: [] }
      : (deref(set, set.envelope.schema, set.envelope.id) as JsonSchema);
  const properties: Record<string, JsonSchema> = { ...(env.properties ?? {}) };
  for (const [k, v] of Object.entries(own.properties ?? {}))
    properties[k] = { ...(properties[k] ?? {}), ...v };
  const required = [...new Set([...(env.required ?? []), ...(own.required ?? [])])];
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(own)) {
    if (k === 'properties' || k === 'required' || k === 'allOf' || k === '$defs' || ANNOTATIONS.has(k))
      continue;
    rest[k] = v;
  }
  return { properties, required, rest, envelopeKeys: new Set(Object.keys(env.properties ?? {})) };
}

/** The comparable form recorded in schemas/lock.json. */
export function lockForm(set: SchemaSet, entry: SchemaEntry): Record<string, unknown> {
  const f = flatten(set, entry);
  return {
    properties: constraints(f.properties, 'properties'),
    required: [...f.required].sort(),
    rest: constraints(f.rest),
  };
}

export { absoluteRefs };
