/**
 * Builds the stamped event object for one event type, compiled from the type's field list.
 * `{...context, ...fields}` spread into an object literal costs ~150 ns per event here (a generic
 * property definition per key). A constructor compiled once per type with named stores costs
 * ~40 ns even with 10k events live: V8 sizes its objects to hold every property in-object (slack
 * tracking), where a literal that grows afterwards gets a separate, reallocated property store.
 * Keys that are absent (undefined) stay absent, as with the spread; the prototype is
 * Object.prototype, so an event is still a plain object to every consumer.
 */
import { kContextJson, kJson, kSerializer } from '../events/json.js';

/** What is the same for every event of one type from one server. */
export interface TypeConstants {
  type: string;
  schema: string;
  server_id: string;
  hostname: string;
  /** The type's serialiser (core/events/json.ts). */
  serializer: unknown;
}

export type EventBuilder = (
  contextJson: string,
  id: string,
  time: string,
  seq: number,
  context: Readonly<Record<string, unknown>>,
  fields: Readonly<Record<string, unknown>>,
) => Record<string | symbol, unknown>;

/** Only plain property names are compiled in; anything else would be a schema bug. */
const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function compileEventBuilder(
  constants: TypeConstants,
  contextKeys: readonly string[],
  fieldKeys: readonly string[],
): EventBuilder {
  for (const k of [...contextKeys, ...fieldKeys]) {
    if (!SAFE_KEY.test(k)) throw new Error(`event field name ${JSON.stringify(k)} cannot be compiled`);
  }
  const copy = (from: string, keys: readonly string[]) =>
    keys.map((k) => `v = ${from}.${k}; if (v !== undefined) this.${k} = v;`).join('\n');
  // The symbols come first: added later by keyed stores they would push an object of this many
  // properties into dictionary mode.
  const body = `
    function Event(contextJson, id, time, seq, c, f) {
      this[kSerializer] = k.serializer; this[kContextJson] = contextJson; this[kJson] = undefined;
      this.type = k.type; this.schema = k.schema; this.id = id; this.time = time; this.seq = seq;
      this.server_id = k.server_id; this.hostname = k.hostname;
      let v;
      ${copy('c', contextKeys)}
      ${copy('f', fieldKeys)}
    }
    Event.prototype = Object.prototype;
    return function buildEvent(contextJson, id, time, seq, c, f) {
      return new Event(contextJson, id, time, seq, c, f);
    };`;
  const make = new Function('kSerializer', 'kContextJson', 'kJson', 'k', body) as (
    a: symbol,
    b: symbol,
    c: symbol,
    k: TypeConstants,
  ) => EventBuilder;
  return make(kSerializer, kContextJson, kJson, { ...constants });
}
