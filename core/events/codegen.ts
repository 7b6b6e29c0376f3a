/**
 * Everything generated from schemas/: TypeScript types (core/events/types.generated.ts), field
 * docs (docs/events.md) and the lock of published versions (schemas/lock.json). Tests compare the
 * committed files with a fresh generation, so a stale file fails the suite.
 *   node dist/core/events/codegen.js           rewrite types and docs (and record new/compatible schemas in the lock)
 *   node dist/core/events/codegen.js --check   exit 1 if any generated file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { packageRoot } from '../paths.js';
import { type Lock, readLock, updatedLock } from './compat.js';

export { readLock };

import { fieldsExportName } from './generated-names.js';
import { deref, flatten } from './schema-tools.js';
import { currentEntry, type JsonSchema, loadSchemas, type SchemaEntry, type SchemaSet } from './schemas.js';
import { contextSchema, createAjv, fieldsSchema } from './validators.js';

export const generatedPaths = {
  types: 'core/events/types.generated.ts',
  validators: 'core/events/validators.generated.ts',
  docs: 'docs/events.md',
  lock: 'schemas/lock.json',
};

const pascal = (type: string) =>
  type
    .split(/[._-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

const formatOnly = (s: unknown): boolean =>
  s !== null && typeof s === 'object' && Object.keys(s).every((k) => k === 'format');

/**
 * Named types for the enums of a type's own fields (`AuditLossReason`, `SessionEndReason`...),
 * derived from the generated field interfaces, so code that hands such a value around uses the
 * schema's list instead of repeating it.
 */
function enumAliases(name: string, own: Record<string, JsonSchema>, required: readonly string[]): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(own)) {
    const access = required.includes(k) ? `${name}Fields['${k}']` : `NonNullable<${name}Fields['${k}']>`;
    if (Array.isArray(v.enum)) out.push(`export type ${name}${pascal(k)} = ${access};`);
    else if (v.type === 'array' && Array.isArray((v.items as JsonSchema | undefined)?.enum))
      out.push(`export type ${name}${pascal(k)} = ${access}[number];`);
  }
  return out;
}

function stripForTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripForTypes);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema as Record<string, unknown>)) {
    if (k === 'examples' || k === '$id' || k === '$schema' || k === '$defs' || k === 'title') continue;
    // `anyOf: [{format}, {format}]` narrows a string at run time only: as a type it would become
    // `{[k: string]: unknown} & string`.
    if (k === 'anyOf' && Array.isArray(v) && v.every((a) => formatOnly(a))) continue;
    out[k] = stripForTypes(v);
  }
  return out;
}

/** TypeScript types: per type, `<Name>Fields` (what a producer passes) and `<Name>Event` (what a sink sees). */
export async function generateTypes(set: SchemaSet): Promise<string> {
  const { compile } = await import('json-schema-to-typescript');
  const opts = { bannerComment: '', additionalProperties: false, format: true, strictIndexSignatures: true };
  const parts: string[] = [
    '/* Generated from schemas/ by core/events/codegen.ts; do not edit. Run: node dist/core/events/codegen.js */',
    '',
  ];
  const fieldMap: string[] = [];
  const eventMap: string[] = [];
  const enums: string[] = [];
  for (const [type, entries] of set.types) {
    const entry = entries[entries.length - 1] as SchemaEntry;
    const flat = flatten(set, entry);
    const name = pascal(type);
    const own: Record<string, JsonSchema> = {};
    for (const [k, v] of Object.entries(flat.properties)) if (!flat.envelopeKeys.has(k)) own[k] = v;
    const fieldsSchema = {
      title: `${name}Fields`,
      description: `The fields a producer passes to emit('${type}', ...).`,
      type: 'object',
      properties: stripForTypes(own),
      required: flat.required.filter((k) => !flat.envelopeKeys.has(k)),
      additionalProperties: false,
    };
    const eventSchema = {
      title: `${name}Event`,
      description: `${entry.schema.description ?? type} (${entry.id})`,
      type: 'object',
      properties: stripForTypes(flat.properties),
      required: flat.required,
      additionalProperties: false,
    };
    parts.push(await compile(fieldsSchema as never, `${name}Fields`, opts));
    parts.push(await compile(eventSchema as never, `${name}Event`, opts));
    fieldMap.push(`  '${type}': ${name}Fields;`);
    eventMap.push(`  '${type}': ${name}Event;`);
    enums.push(...enumAliases(name, own, fieldsSchema.required));
  }
  parts.push(
    `/** Fields by event type. */\nexport interface EventFieldsByType {\n${fieldMap.join('\n')}\n}\n`,
    `/** Stamped events by event type. */\nexport interface EventsByType {\n${eventMap.join('\n')}\n}\n`,
    '/** The event types the schemas define. */\nexport type EventType = keyof EventFieldsByType;\n',
    "/** What a producer passes to emit(type, ...): the type's own fields, not the envelope. */\nexport type FieldsOf<T extends EventType> = EventFieldsByType[T];\n",
    '/** A stamped event of one type, as a sink sees it. */\nexport type EventOf<T extends EventType> = EventsByType[T];\n',
    '/** Any stamped, validated event as it leaves sshtrail: narrow on `type` to read its fields. */\nexport type AuditEvent = EventsByType[EventType];\n',
    `/** The schemas' enums, by type and field. */\n${enums.join('\n')}\n`,
  );
  return parts.join('\n').replace(/\n{3,}/g, '\n\n');
}

/**
 * The pipeline's hot-path validators (each type's fields, and the session context) compiled at
 * build time with ajv's standalone code, so start-up loads code instead of compiling schemas.
 */
export async function generateValidators(set: SchemaSet): Promise<string> {
  type ToCode = (ajv: unknown, refs: Record<string, string>) => string;
  const mod = (await import('ajv/dist/standalone/index.js')) as unknown as {
    default: ToCode | { default: ToCode };
  };
  const toCode: ToCode = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const ajv = createAjv(set, { formats: 'fast', code: { source: true, esm: true, lines: false } });
  const refs: Record<string, string> = {};
  for (const [type] of set.types) {
    const id = `urn:sshtrail:fields:${type}`;
    ajv.addSchema({ $id: id, ...fieldsSchema(set, currentEntry(set, type)!) });
    refs[fieldsExportName(type)] = id;
  }
  ajv.addSchema({ $id: 'urn:sshtrail:context', ...contextSchema(set) });
  refs.context = 'urn:sshtrail:context';
  const code = toCode(ajv, refs).replace(/^"use strict";/, '');
  return [
    '// @ts-nocheck',
    '/* Generated from schemas/ by core/events/codegen.ts (ajv standalone code); do not edit. Run: node dist/core/events/codegen.js */',
    "import { createRequire } from 'node:module';",
    // ajv's standalone output refers to its runtime helpers and ajv-formats with require().
    'const require = createRequire(import.meta.url);',
    code,
    '',
  ].join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeLabel(s: JsonSchema): string {
  if ('const' in s) return `\`${JSON.stringify(s.const)}\``;
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ')}`;
  if (Array.isArray(s.anyOf)) {
    const fmts = (s.anyOf as JsonSchema[]).map((a) => a.format).filter(Boolean);
    if (fmts.length) return `${s.type} (${fmts.join(' or ')})`;
  }
  let t = String(s.type ?? 'any');
  if (t === 'array') t = `${typeLabel((s.items ?? {}) as JsonSchema)}[]`;
  const extra: string[] = [];
  if (typeof s.format === 'string') extra.push(s.format);
  if (typeof s.minimum === 'number') extra.push(`≥ ${s.minimum}`);
  if (typeof s.maximum === 'number') extra.push(`≤ ${s.maximum}`);
  if (typeof s.pattern === 'string') extra.push(`pattern \`${s.pattern}\``);
  return extra.length ? `${t} (${extra.join(', ')})` : t;
}

function fieldTable(props: Record<string, JsonSchema>, required: string[], rows: string[]): void {
  rows.push('| field | type | required | description | example |', '| --- | --- | --- | --- | --- |');
  for (const [k, s] of Object.entries(props)) {
    const ex = Array.isArray(s.examples) && s.examples.length ? `\`${JSON.stringify(s.examples[0])}\`` : '';
    rows.push(
      `| \`${k}\` | ${md(typeLabel(s))} | ${required.includes(k) ? 'yes' : 'no'} | ${md(String(s.description ?? ''))} | ${md(ex)} |`,
    );
  }
}

/** docs/events.md: one table per type, from the schemas' descriptions and examples. */
export function generateDocs(set: SchemaSet, lock: Lock): string {
  const rows: string[] = [
    '# sshtrail events',
    '',
    '<!-- Generated from schemas/ by core/events/codegen.ts; do not edit. Run: node dist/core/events/codegen.js -->',
    '',
    'Every event is one JSON object (one line of NDJSON) with a top-level `type` and a `schema` naming the JSON Schema',
    '(draft 2020-12) it conforms to. The envelope fields below are on every event; each type adds its own. Compatibility',
    'rules: [schemas/README.md](../schemas/README.md). Validate a file: `sshtrail validate FILE`; export the schemas for',
    'your own validator: `sshtrail schemas export DIR`. Samples: [examples/events/](../examples/events/).',
    '',
    '## Types',
    '',
    '| type | schema | version | description |',
    '| --- | --- | --- | --- |',
  ];
  for (const [type, entries] of set.types) {
    for (const e of entries) {
      rows.push(
        `| [\`${type}\`](#${type.replace(/\./g, '')}) | \`${e.id}\` | ${lock[e.id]?.version ?? 'unreleased'} | ${md(String(e.schema.description ?? ''))} |`,
      );
    }
  }
  const env = deref(set, set.envelope.schema, set.envelope.id) as JsonSchema;
  rows.push(
    '',
    '## Envelope',
    '',
    md(String(env.description ?? '')),
    '',
    `Schema: \`${set.envelope.id}\``,
    '',
  );
  fieldTable(env.properties ?? {}, env.required ?? [], rows);
  for (const [type, entries] of set.types) {
    for (const e of [...entries].reverse()) {
      const flat = flatten(set, e);
      const own: Record<string, JsonSchema> = {};
      for (const [k, v] of Object.entries(flat.properties))
        if (!flat.envelopeKeys.has(k) || k === 'type' || k === 'schema') own[k] = v;
      const ctx = flat.required.filter(
        (k) => flat.envelopeKeys.has(k) && !(set.envelope.schema.required ?? []).includes(k),
      );
      rows.push('', `## ${type}`, '', md(String(e.schema.description ?? '')), '');
      rows.push(
        `Schema: \`${e.id}\` (version ${lock[e.id]?.version ?? 'unreleased'})${ctx.length ? `. Envelope fields required here: ${ctx.map((k) => `\`${k}\``).join(', ')}` : ''}.`,
        '',
      );
      fieldTable(own, flat.required, rows);
    }
  }
  return `${rows.join('\n')}\n`;
}

export interface Generated {
  path: string;
  content: string;
}

export async function generateAll(set: SchemaSet = loadSchemas()): Promise<Generated[]> {
  const lock = updatedLock(set, readLock(set));
  const root = packageRoot();
  return [
    { path: join(root, generatedPaths.lock), content: `${JSON.stringify(lock, null, 2)}\n` },
    { path: join(root, generatedPaths.types), content: await generateTypes(set) },
    { path: join(root, generatedPaths.validators), content: await generateValidators(set) },
    { path: join(root, generatedPaths.docs), content: generateDocs(set, lock) },
  ];
}

const foldTable = (s: string) => s.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---');

export function stale(files: Generated[]): string[] {
  return files
    .filter((f) => {
      try {
        const now = readFileSync(f.path, 'utf8');
        // JSON is compared by value: the formatter (biome) may lay it out differently.
        if (f.path.endsWith('.json')) return !isDeepStrictEqual(JSON.parse(now), JSON.parse(f.content));
        // Markdown tables may be padded by the formatter: compare with runs of spaces and dashes folded.
        if (f.path.endsWith('.md')) return foldTable(now) !== foldTable(f.content);
        return now !== f.content;
      } catch {
        return true;
      }
    })
    .map((f) => f.path);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = await generateAll();
  if (process.argv.includes('--check')) {
    const s = stale(files);
    if (s.length) {
      process.stderr.write(
        `stale generated files (run node dist/core/events/codegen.js):\n  ${s.join('\n  ')}\n`,
      );
      process.exitCode = 1;
    }
  } else {
    for (const f of files) writeFileSync(f.path, f.content);
    // Lay the JSON and Markdown out as the repository's formatter would (best effort: the
    // staleness test compares those two by content, not layout).
    const { spawnSync } = await import('node:child_process');
    const biome = join(packageRoot(), 'node_modules', '.bin', 'biome');
    spawnSync(
      biome,
      [
        'format',
        '--write',
        join(packageRoot(), generatedPaths.lock),
        join(packageRoot(), generatedPaths.docs),
      ],
      {
        stdio: 'ignore',
      },
    );
    process.stderr.write(`wrote ${files.map((f) => f.path).join(', ')}\n`);
  }
}
