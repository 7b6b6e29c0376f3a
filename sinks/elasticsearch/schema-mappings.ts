/**
 * The explicit mappings of sshtrail.* (the canonical event), derived from the event schemas, so a
 * field a schema gains is mapped as the schema types it, never left to dynamic mapping (which
 * makes every string text + keyword and every address a string). Rules, by the schema's type:
 * integer → long, number → double, boolean (or `const: true`) → boolean, a date-time string →
 * date_nanos (the envelope's nanosecond times), an IPv4/IPv6 string → ip, other strings →
 * keyword, an array → its items' mapping, an object → its properties, an object without declared
 * properties → flattened. A few fields are mapped for how they are searched rather than typed
 * (`overrides`). Two schemas typing one path differently is a conflict: reported, never guessed.
 */
import { type JsonSchema, resolveRef, type SchemaSet } from '../../core/events/schemas.js';

/** Mapped for how they are searched: command lines by substring, messages as text. */
const overrides: Readonly<Record<string, string>> = {
  command: 'wildcard',
  forced_command: 'wildcard',
  message: 'match_only_text',
  detail: 'match_only_text',
  cgroup_id: 'unsigned_long',
  ip_version: 'byte',
  // A number in session.disk (O_* bits), names in session.sftp (SSH_FXF_*): one field in the
  // index, so keyword, which takes both (a long would reject every sftp document).
  flags: 'keyword',
};

export interface DerivedMappings {
  /** Dotted path → Elasticsearch field type. */
  types: Record<string, string>;
  /** "path: type in A, other type in B", for each path two schemas type differently. */
  conflicts: string[];
}

function isAddress(s: JsonSchema): boolean {
  const anyOf = s.anyOf as JsonSchema[] | undefined;
  return Array.isArray(anyOf) && anyOf.some((a) => a.format === 'ipv4' || a.format === 'ipv6');
}

/** The leaf mapping of one property schema, or undefined for an object to descend into. */
function leafType(s: JsonSchema): string | undefined {
  if (s.const === true || s.const === false || s.type === 'boolean') return 'boolean';
  if (s.type === 'integer') return 'long';
  if (s.type === 'number') return 'double';
  if (s.type === 'string' || typeof s.const === 'string' || Array.isArray(s.enum)) {
    if (s.format === 'date-time') return 'date_nanos';
    if (isAddress(s) || s.format === 'ipv4' || s.format === 'ipv6') return 'ip';
    return 'keyword';
  }
  return undefined;
}

export function deriveMappings(set: SchemaSet): DerivedMappings {
  const types: Record<string, string> = {};
  const seenIn: Record<string, string> = {};
  const conflicts: string[] = [];
  const resolve = (s: JsonSchema, base: string): JsonSchema => {
    const ref = s.$ref as string | undefined;
    if (!ref) return s;
    const abs = ref.startsWith('#') ? `${base}${ref}` : ref;
    const target = resolveRef(set, abs);
    // The reference's own keywords (description, examples) sit beside it; the type is the target's.
    return target ? { ...target, ...s, $ref: undefined } : s;
  };
  const put = (path: string, type: string, where: string) => {
    const prior = types[path];
    if (prior !== undefined && prior !== type)
      conflicts.push(`${path}: ${prior} in ${seenIn[path]}, ${type} in ${where}`);
    else if (prior === undefined) {
      types[path] = type;
      seenIn[path] = where;
    }
  };
  const walk = (props: Record<string, JsonSchema>, prefix: string, base: string, where: string) => {
    for (const [name, raw] of Object.entries(props)) {
      const path = `${prefix}${name}`;
      let s = resolve(raw, base);
      if (s.type === 'array' && s.items) s = resolve(s.items as JsonSchema, base);
      const override = overrides[path];
      if (override) {
        put(path, override, where);
        continue;
      }
      const leaf = leafType(s);
      if (leaf) put(path, leaf, where);
      else if (s.properties) walk(s.properties, `${path}.`, base, where);
      else put(path, 'flattened', where);
    }
  };
  for (const entry of [set.envelope, ...[...set.types.values()].flat()]) {
    walk(entry.schema.properties ?? {}, '', entry.id, entry.file);
  }
  return { types, conflicts };
}
