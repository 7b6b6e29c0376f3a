/**
 * Each event is serialised once, and only if a sink is about to take it: the pipeline stamps an
 * event with a reference to its type's compiled serialiser and its session context's
 * pre-serialised envelope part (pino-style), and `seal` builds the JSON when the event leaves a
 * queue in a batch, then freezes the event. Events dropped before that are never serialised, and
 * `emit` stays short. The JSON is kept under a symbol: invisible to JSON.stringify, Object.keys
 * and sinks that do not know it. Sinks written here read it with `preserialised`; others use
 * `eventJson` from core/sinks/sink.ts.
 */
import { type AuditEvent, eventJson } from '../sinks/sink.js';

export const kJson: unique symbol = Symbol('sshtrail.json');
export const kSerializer: unique symbol = Symbol('sshtrail.serializer');
export const kContextJson: unique symbol = Symbol('sshtrail.context-json');

export interface EventSerializer {
  /** The event's JSON, given the pre-serialised context members (`,"session_id":…`). */
  json(event: AuditEvent, contextJson: string): string;
}

type Sealable = Record<symbol, unknown>;

/** The event's JSON, built once; the event is frozen from then on (so no cache can go stale). */
export function seal(event: AuditEvent): string {
  const e = event as unknown as Sealable;
  const done = e[kJson];
  if (typeof done === 'string') return done;
  const ser = e[kSerializer] as EventSerializer | undefined;
  if (ser === undefined) return eventJson(event);
  const json = ser.json(event, e[kContextJson] as string);
  e[kJson] = json;
  Object.freeze(event);
  return json;
}

/** The JSON of an event a sink has been handed (sealed by the pipeline when it left its queue). */
export function preserialised(event: AuditEvent): string {
  return seal(event);
}
