/**
 * Turns (type, fields, context) into a stamped, validated, frozen event carrying its JSON, or
 * explains why it cannot. Work is done once where it can be: per type (validator, the JSON prefix
 * naming type and schema), per server (server_id and hostname, pre-serialised) and per context
 * object (validated once, pre-serialised, its session's sequence counter looked up once).
 */

import { EventClock } from '../events/clock.js';
import type { ConnectionContext, EventTime, SessionContext } from '../events/emitter.js';
import type { AuditEvent } from '../events/event.js';
import { fieldsExportName } from '../events/generated-names.js';
import type { EventSerializer } from '../events/json.js';
import { currentEntry, resolveRef, type SchemaSet, shippedSchemas } from '../events/schemas.js';
import { compileFieldsSerializer } from '../events/serialize.js';
import * as generated from '../events/validators.generated.js';
import {
  contextSchema,
  createAjv,
  FullValidators,
  fieldsSchema,
  formatErrors,
  requiredContextKeys,
  type ValidateFunction,
} from '../events/validators.js';
import { compileEventBuilder, type EventBuilder } from './event-builder.js';

export interface TypeInfo extends EventSerializer {
  type: string;
  schema: string;
  validateFields: ValidateFunction;
  validateFull?: ValidateFunction;
  requiredContext: string[];
  /** requiredContext as a bit mask over CONTEXT_KEYS (see ContextInfo.present). */
  requiredMask: number;
  /** `{"type":"…","schema":"…","id":"` */
  prefix: string;
  /** The fields as JSON members (`,"a":1…`), compiled from the schema. */
  serialize: (fields: Record<string, unknown>) => string;
  /** Builds the event object from the envelope, the context and the fields (compiled). */
  build: EventBuilder;
  emitted: number;
  invalid: number;
}

interface SessionCounter {
  seq: number;
}

interface ContextInfo {
  error?: string;
  fields: Record<string, unknown>;
  /** Which CONTEXT_KEYS are set, one bit each: a type's required keys are checked with one AND. */
  present: number;
  json: string;
  counter?: SessionCounter;
}

/** Why an event could not be stamped: a bug in its producer. */
export class InvalidEvent {
  constructor(
    readonly type: string,
    readonly invalid: string,
  ) {}
}

export type StampResult = AuditEvent | InvalidEvent;

/** Ended sessions whose counters are kept for late events. */
const ENDED_SESSIONS_KEPT = 1024;

const CONTEXT_KEYS = ['session_id', 'login', 'user', 'client_addr', 'client_port'] as const;
const NO_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({});

function contextMask(keys: readonly string[]): number {
  let mask = 0;
  for (const k of keys) {
    const i = (CONTEXT_KEYS as readonly string[]).indexOf(k);
    // A required key that no context can carry can never be present: a bit no context sets.
    mask |= i < 0 ? 1 << CONTEXT_KEYS.length : 1 << i;
  }
  return mask;
}

interface CompiledType {
  fields: ValidateFunction;
  /** The type's own field names, in schema order. */
  fieldKeys: string[];
  serialize: (f: Record<string, unknown>) => string;
  full?: ValidateFunction;
}

interface Compiled {
  context: ValidateFunction;
  types: Map<string, CompiledType>;
}

// Compiling is the slow part of start-up: done once per schema set and mode, in this process.
const compiledCache = new WeakMap<SchemaSet, Map<string, Compiled>>();

function compiledFor(set: SchemaSet, mode: 'fast' | 'full'): Compiled {
  let byMode = compiledCache.get(set);
  if (!byMode) {
    byMode = new Map();
    compiledCache.set(set, byMode);
  }
  let c = byMode.get(mode);
  if (c) return c;
  // The shipped schemas come with validators compiled at build time (validators.generated.ts,
  // kept fresh by a test); other sets (tests, tools) are compiled here, once. Producer-side
  // formats are checked with ajv-formats' fast mode: the stamped fields (time, id) are correct by
  // construction and never re-checked here.
  const gen =
    set === shippedSchemas() ? (generated as unknown as Record<string, ValidateFunction>) : undefined;
  const ajv = gen ? undefined : createAjv(set, { formats: 'fast' });
  const full = mode === 'full' ? new FullValidators(set, { formats: 'fast' }) : undefined;
  c = { context: gen ? gen.context! : ajv!.compile(contextSchema(set)), types: new Map() };
  for (const [type] of set.types) {
    const entry = currentEntry(set, type)!;
    const fschema = fieldsSchema(set, entry);
    const fields = gen ? gen[fieldsExportName(type)] : ajv!.compile(fschema);
    if (!fields)
      throw new Error(`validators.generated.ts has no validator for ${type}: regenerate it (codegen)`);
    const properties = fschema.properties ?? {};
    const fullFn = full?.get(entry.id);
    c.types.set(type, {
      fields,
      fieldKeys: Object.keys(properties),
      serialize: compileFieldsSerializer(properties, (ref) => resolveRef(set, ref)),
      ...(fullFn ? { full: fullFn } : {}),
    });
  }
  byMode.set(mode, c);
  return c;
}

export class Stamper {
  readonly clock = new EventClock();
  readonly types = new Map<string, TypeInfo>();
  private readonly contexts = new WeakMap<object, ContextInfo>();
  private readonly sessions = new Map<string, SessionCounter>();
  private readonly ended = new Map<string, SessionCounter>();
  private readonly validateContext: ValidateFunction;
  private serverSeq = 0;

  constructor(set: SchemaSet, serverId: string, hostname: string, mode: 'fast' | 'full') {
    const compiled = compiledFor(set, mode);
    this.validateContext = compiled.context;
    const serverJson = `,"server_id":${JSON.stringify(serverId)},"hostname":${JSON.stringify(hostname)}`;
    for (const [type] of set.types) {
      const entry = currentEntry(set, type)!;
      const c = compiled.types.get(type)!;
      const requiredContext = requiredContextKeys(set, entry);
      const info: Omit<TypeInfo, 'build'> = {
        type,
        schema: entry.id,
        validateFields: c.fields,
        serialize: c.serialize,
        ...(c.full ? { validateFull: c.full } : {}),
        requiredContext,
        requiredMask: contextMask(requiredContext),
        prefix: `{"type":${JSON.stringify(type)},"schema":${JSON.stringify(entry.id)},"id":"`,
        json(ev, contextJson) {
          // `serialize` reads only this type's own fields from the event.
          return `${this.prefix}${ev.id}","time":"${ev.time}","seq":${ev.seq}${serverJson}${contextJson}${this.serialize(ev as unknown as Record<string, unknown>)}}`;
        },
        emitted: 0,
        invalid: 0,
      };
      // The builder stamps each event with `info` as its serialiser, so it is compiled after it.
      const build = compileEventBuilder(
        { type, schema: entry.id, server_id: serverId, hostname, serializer: info },
        CONTEXT_KEYS,
        c.fieldKeys,
      );
      this.types.set(type, Object.assign(info, { build }));
    }
  }

  private context(ctx: SessionContext | ConnectionContext): ContextInfo {
    let info = this.contexts.get(ctx);
    if (info !== undefined) return info;
    const fields: Record<string, unknown> = {};
    let json = '';
    let present = 0;
    for (let i = 0; i < CONTEXT_KEYS.length; i++) {
      const k = CONTEXT_KEYS[i]!;
      const v = ctx[k];
      if (v === undefined) continue;
      fields[k] = v;
      present |= 1 << i;
      json += `,"${k}":${JSON.stringify(v)}`;
    }
    info = { fields, json, present };
    if (!this.validateContext(fields)) {
      info.error = `context: ${formatErrors(this.validateContext.errors).join('; ')}`;
    } else if (typeof ctx.session_id === 'string') {
      let counter = this.sessions.get(ctx.session_id) ?? this.ended.get(ctx.session_id);
      if (!counter) {
        counter = { seq: 0 };
        this.sessions.set(ctx.session_id, counter);
      }
      info.counter = counter;
    }
    this.contexts.set(ctx, info);
    return info;
  }

  /**
   * A session's last event has been emitted. Its counter moves to a bounded list of ended
   * sessions, so that late events (kernel events still draining) keep numbering on from it
   * instead of starting again at 1; the oldest ended sessions are forgotten.
   */
  endSession(sessionId: string): void {
    const counter = this.sessions.get(sessionId);
    if (!counter) return;
    this.sessions.delete(sessionId);
    this.ended.set(sessionId, counter);
    if (this.ended.size > ENDED_SESSIONS_KEPT) this.ended.delete(this.ended.keys().next().value as string);
  }

  get activeSessionCounters(): number {
    return this.sessions.size;
  }

  /** Why an event type cannot be stamped: it is not one of the schemas'. */
  unknownTypeMessage(): string {
    return `unknown event type (known: ${[...this.types.keys()].join(', ')})`;
  }

  stamp(
    t: TypeInfo,
    /** The type's fields as the producer passed them (typed by emit), validated here. */
    fields: object,
    context: SessionContext | ConnectionContext | undefined,
    /** Every sink will drop it: validate and number it, but skip time, id and serialisation. */
    doomed = false,
    /** When it happened, if not now (kernel events). */
    at?: EventTime,
  ): StampResult {
    const type = t.type;
    if (context !== undefined && (typeof context !== 'object' || context === null)) {
      return new InvalidEvent(type, 'context must be an object');
    }
    const ctx = context === undefined ? undefined : this.context(context);
    // The sequence number is taken before validation: an invalid event leaves a gap, which the
    // audit.loss report (reason invalid) accounts for.
    const seq = ctx?.counter ? ++ctx.counter.seq : ++this.serverSeq;
    if (ctx?.error !== undefined) return new InvalidEvent(type, ctx.error);
    if (((ctx === undefined ? 0 : ctx.present) & t.requiredMask) !== t.requiredMask) {
      const k = t.requiredContext.find((key) => ctx?.fields[key] === undefined);
      return new InvalidEvent(type, `context: /${k} is required`);
    }
    if (typeof fields !== 'object' || fields === null || !t.validateFields(fields)) {
      return new InvalidEvent(
        type,
        formatErrors(t.validateFields.errors).join('; ') || 'fields must be an object',
      );
    }
    if (doomed) {
      // Only what drop accounting looks at (session and seq, for the onLoss observers).
      return { type, seq, session_id: ctx?.fields.session_id } as unknown as AuditEvent;
    }
    const { time, id } = at === undefined ? this.clock.stamp() : this.clock.stampAt(at.sec, at.nsec);
    const event = t.build(
      ctx ? ctx.json : '',
      id,
      time,
      seq,
      ctx ? ctx.fields : NO_CONTEXT,
      fields as Readonly<Record<string, unknown>>,
    );
    // Serialised later, only if a sink takes it (core/events/json.ts: eventJson).
    if (t.validateFull && !t.validateFull(event)) {
      return new InvalidEvent(type, formatErrors(t.validateFull.errors).join('; '));
    }
    return event as unknown as AuditEvent;
  }
}
