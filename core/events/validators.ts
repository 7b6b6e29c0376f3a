/**
 * Validators compiled once from the schemas. Two kinds:
 * - full: the whole event against its type's schema (the CLI, tests, integrations);
 * - fields: only a type's own fields (the pipeline's hot path). The envelope is stamped by the
 *   pipeline itself, so it is correct by construction; the session context is checked once per
 *   context object (see core/pipeline/stamper.ts). Checking each part once is what keeps
 *   validation cheap (full format checks cost 5-9x: docs/design.md, "Validation").
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import * as formatsModule from 'ajv-formats';
import { envelopeKeys, type JsonSchema, type SchemaEntry, type SchemaSet } from './schemas.js';

export type { ErrorObject, ValidateFunction };
export type FormatMode = 'full' | 'fast';

type AddFormats = (ajv: Ajv2020, opts: { mode: FormatMode; formats: string[] }) => Ajv2020;
const addFormats = ((formatsModule as unknown as { default: AddFormats }).default ??
  formatsModule) as unknown as AddFormats;

/** An ajv instance holding every schema of the set (so cross-schema $refs resolve). */
export function createAjv(
  set: SchemaSet,
  opts: {
    formats: FormatMode;
    allErrors?: boolean;
    code?: { source: boolean; esm: boolean; lines: boolean };
  },
): Ajv2020 {
  const ajv = new Ajv2020({
    ...(opts.code ? { code: opts.code } : {}),
    strict: true,
    strictTypes: false,
    // Type schemas require envelope keys (session_id, login, ...) defined in the envelope by $ref.
    strictRequired: false,
    allErrors: opts.allErrors ?? false,
    // Schemas are ours and trusted; skipping the meta-schema check keeps start-up short.
    validateSchema: false,
  });
  addFormats(ajv, { mode: opts.formats, formats: ['date-time', 'ipv4', 'ipv6'] });
  for (const entry of set.byId.values()) ajv.addSchema(entry.schema, entry.id);
  return ajv;
}

/** Full validators by schema $id, compiled on first use. */
export class FullValidators {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  constructor(
    readonly set: SchemaSet,
    opts: { formats: FormatMode; allErrors?: boolean } = { formats: 'full', allErrors: true },
  ) {
    this.ajv = createAjv(set, opts);
  }
  get(id: string): ValidateFunction | undefined {
    let fn = this.compiled.get(id);
    if (fn === undefined) {
      if (!this.set.byId.has(id) || this.set.byId.get(id)?.type === 'envelope') return undefined;
      fn = this.ajv.getSchema(id) as ValidateFunction;
      this.compiled.set(id, fn);
    }
    return fn;
  }
}

/** A deep copy of a sub-schema with its local `#...` $refs made absolute against `base`. */
export function absoluteRefs<T>(schema: T, base: string): T {
  if (Array.isArray(schema)) return schema.map((s) => absoluteRefs(s, base)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${base}${v}` : absoluteRefs(v, base);
  }
  return out as T;
}

/**
 * The schema for a type's own fields: its properties minus the envelope's, its required fields
 * minus the envelope's, nothing else allowed.
 */
export function fieldsSchema(set: SchemaSet, entry: SchemaEntry): JsonSchema {
  const env = new Set(envelopeKeys(set));
  const properties: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(entry.schema.properties ?? {}))
    if (!env.has(k)) properties[k] = absoluteRefs(v, entry.id);
  return {
    type: 'object',
    properties,
    required: (entry.schema.required ?? []).filter((k) => !env.has(k)),
    additionalProperties: false,
  };
}

/** The envelope keys a type requires from the session context (e.g. session_id for session.*). */
export function requiredContextKeys(set: SchemaSet, entry: SchemaEntry): string[] {
  const env = new Set(envelopeKeys(set));
  return (entry.schema.required ?? []).filter((k) => env.has(k));
}

/** Schema of a session/connection context object: the envelope's context properties. */
export function contextSchema(set: SchemaSet): JsonSchema {
  const props = set.envelope.schema.properties ?? {};
  const pick = ['session_id', 'login', 'user', 'client_addr', 'client_port'];
  const properties: Record<string, JsonSchema> = {};
  for (const k of pick) if (props[k]) properties[k] = absoluteRefs(props[k], set.envelope.id);
  return { type: 'object', properties };
}

/** "/json/pointer message" lines for ajv errors, as the CLI and the logs print them. */
export function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  if (!errors) return [];
  return errors.map((e) => {
    let where = e.instancePath || '/';
    let msg = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      const p = (e.params as { missingProperty: string }).missingProperty;
      where = `${e.instancePath}/${p}`;
      msg = 'is required';
    } else if (e.keyword === 'unevaluatedProperties' || e.keyword === 'additionalProperties') {
      const p =
        (e.params as { unevaluatedProperty?: string; additionalProperty?: string }).unevaluatedProperty ??
        (e.params as { additionalProperty?: string }).additionalProperty;
      where = `${e.instancePath}/${p}`;
      msg = 'is not allowed by the schema';
    } else if (e.keyword === 'enum') {
      msg = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    } else if (e.keyword === 'const') {
      msg = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    }
    return `${where} ${msg}`;
  });
}
