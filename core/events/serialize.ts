/**
 * JSON serialisers compiled from a type's schema (the idea of fast-json-stringify): one straight
 * line of code per field instead of JSON.stringify's generic walk, about twice as fast here. Only
 * used on fields that have just passed validation, so each value has its schema's type; anything
 * the plan does not know (objects, mixed arrays) falls back to JSON.stringify.
 */
import type { JsonSchema } from './schemas.js';

/** Characters JSON.stringify escapes (and lone surrogates, which it writes as \u escapes): strings
 * without them serialise as themselves between quotes. */
export const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Longer strings are checked by the regular expression: its scan beats a loop in JS there. */
const SHORT = 24;

/** Whether `s` serialises as itself between quotes (see NEEDS_ESCAPE). Most of an event's strings
 * are short (names, flags, addresses), and for them a loop costs a third of a regex call. */
function plain(s: string): boolean {
  const n = s.length;
  if (n > SHORT) return !NEEDS_ESCAPE.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

export function jsonString(s: string): string {
  return plain(s) ? `"${s}"` : JSON.stringify(s);
}

/** An array of strings as JSON, without the intermediate array of `map` and `join`. */
function jsonStrings(a: readonly string[]): string {
  if (a.length === 0) return '[]';
  let out = `[${jsonString(a[0] as string)}`;
  for (let i = 1; i < a.length; i++) out += `,${jsonString(a[i] as string)}`;
  return `${out}]`;
}

type Kind = 'number' | 'string' | 'boolean' | 'strings' | 'json';

function kindOf(schema: JsonSchema, resolve: (ref: string) => JsonSchema | undefined): Kind {
  let s: JsonSchema | undefined = schema;
  for (let depth = 0; s && typeof s.$ref === 'string' && depth < 8; depth++) {
    const target = resolve(s.$ref);
    s = target ? { ...target, ...s, $ref: undefined } : undefined;
  }
  if (!s) return 'json';
  const t = s.type;
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'string') return 'string';
  if (t === 'boolean') return 'boolean';
  if (t === 'array' && (s.items as JsonSchema | undefined)?.type === 'string') return 'strings';
  return 'json';
}

/**
 * Compiles `(fields) => ',"a":1,"b":"x"'`: the fields as JSON object members, each with a leading
 * comma, in schema order, skipping undefined values (as JSON.stringify does).
 */
export function compileFieldsSerializer(
  properties: Record<string, JsonSchema>,
  resolve: (ref: string) => JsonSchema | undefined,
): (fields: Record<string, unknown>) => string {
  const body: string[] = ["let out = '';", 'let v;'];
  for (const [key, schema] of Object.entries(properties)) {
    const k = JSON.stringify(key);
    const member = JSON.stringify(`,${JSON.stringify(key)}:`);
    const kind = kindOf(schema, resolve);
    const value =
      kind === 'number' || kind === 'boolean'
        ? 'String(v)'
        : kind === 'string'
          ? 'str(v)'
          : kind === 'strings'
            ? 'strs(v)'
            : 'JSON.stringify(v)';
    body.push(`v = f[${k}]; if (v !== undefined) out += ${member} + ${value};`);
  }
  body.push('return out;');
  const fn = new Function('f', 'str', 'strs', body.join('\n')) as (
    f: Record<string, unknown>,
    str: (s: string) => string,
    strs: (a: readonly string[]) => string,
  ) => string;
  return (fields) => fn(fields, jsonString, jsonStrings);
}
