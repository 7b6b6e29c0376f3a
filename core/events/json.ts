/**
 * An event's JSON, made in one place. The pipeline stamps each event with a reference to its
 * type's compiled serialiser and its session context's pre-serialised envelope part (pino-style);
 * `eventJson` builds the JSON the first time anyone asks (the pipeline does, as the event leaves a
 * queue in a batch), keeps it under a symbol (invisible to JSON.stringify, Object.keys and sinks
 * that do not know it) and freezes the event, so the cached JSON can never go stale. Events
 * dropped before a sink takes them are never serialised, and `emit` stays short. Every sink, the
 * NDJSON encoder (core/sinks/ndjson.ts) and custom sinks call `eventJson`: each event is
 * serialised once, however many sinks encode it.
 */
import type { AuditEvent } from './event.js';

export const kJson: unique symbol = Symbol('sshtrail.json');
export const kSerializer: unique symbol = Symbol('sshtrail.serializer');
export const kContextJson: unique symbol = Symbol('sshtrail.context-json');

export interface EventSerializer {
  /** The event's JSON, given the pre-serialised context members (`,"session_id":…`). */
  json(event: AuditEvent, contextJson: string): string;
}

type Sealable = Record<symbol, unknown>;

/** The JSON of events the pipeline did not stamp (built by a test or a tool), already frozen. */
const foreign = new WeakMap<object, string>();

/** The event's canonical JSON, built once; the event is frozen from then on. */
export function eventJson(event: AuditEvent): string {
  const e = event as unknown as Sealable;
  const done = e[kJson];
  if (typeof done === 'string') return done;
  const ser = e[kSerializer] as EventSerializer | undefined;
  if (ser === undefined) {
    let json = foreign.get(event);
    if (json === undefined) {
      json = JSON.stringify(event);
      foreign.set(event, json);
    }
    return json;
  }
  const json = ser.json(event, e[kContextJson] as string);
  e[kJson] = json;
  Object.freeze(event);
  return json;
}
