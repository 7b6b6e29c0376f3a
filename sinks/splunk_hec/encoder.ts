/**
 * HEC event envelopes. `time` is epoch seconds with the event's own fraction digits written
 * verbatim (no float rounding); `event` is the canonical event JSON, serialised once and shared
 * with the other sinks; `fields` are indexed fields (strings only, as HEC requires), named
 * sshtrail_type, sshtrail_session_id and sshtrail_login: under the event's own names, Splunk's
 * search-time JSON extraction (KV_MODE=json) would give each of them a second, duplicate value.
 */
import { eventJson } from '../../core/events/json.js';
import { jsonString } from '../../core/events/serialize.js';
import { JsonWriter } from '../../core/sinks/json-writer.js';
import type { AuditEvent } from '../../core/sinks/sink.js';
import type { ResolvedSplunkHecOptions } from './config.js';

let lastWhole = '';
let lastSecs = 0;

/**
 * "2026-11-29T00:26:01.123456789Z" -> "1795911961.123456789" (an RFC 3339 time). Consecutive
 * events mostly share their second, so the parsed second is memoised (Date.parse is the cost).
 */
export function epochSeconds(time: string): string {
  const dot = time.indexOf('.');
  let fracEnd = dot + 1;
  if (dot >= 0)
    while (fracEnd < time.length && time.charCodeAt(fracEnd) >= 48 && time.charCodeAt(fracEnd) <= 57)
      fracEnd++;
  const whole = dot >= 0 ? time.slice(0, dot) + time.slice(fracEnd) : time;
  if (whole !== lastWhole) {
    lastSecs = Math.floor(Date.parse(whole) / 1000);
    lastWhole = whole;
  }
  return dot >= 0 && fracEnd > dot + 1 ? `${lastSecs}.${time.slice(dot + 1, fracEnd)}` : String(lastSecs);
}

/** JSON string literals of values that repeat (types, hosts, logins), made once. */
const quoted = new Map<string, string>();
function q(v: string): string {
  let s = quoted.get(v);
  if (s === undefined) {
    s = JSON.stringify(v);
    if (quoted.size < 10_000) quoted.set(v, s);
  }
  return s;
}

/** The head of an envelope after `time`, for one event type, session and login. */
interface Heads {
  login: unknown;
  hostname: unknown;
  byType: Map<string, Buffer>;
}

/** Sessions whose heads are kept; past this the cache starts over (it is only a cache). */
const MAX_SESSIONS = 10_000;
const TIME = Buffer.from('{"time":');

export class Encoder {
  private readonly constant: string;
  private readonly heads = new Map<string, Heads>();
  /** Bytes per envelope in the last batch, to size the next batch's buffer in one go. */
  bytesPerEvent = 1024;

  constructor(private readonly o: ResolvedSplunkHecOptions) {
    // source/sourcetype/index are the same for every event: serialised once.
    this.constant = `,"source":${JSON.stringify(o.source)},"sourcetype":${JSON.stringify(o.sourcetype)}${
      o.index ? `,"index":${JSON.stringify(o.index)}` : ''
    }`;
  }

  /** The envelope after `time` up to `"event":`: host, source, sourcetype, index, fields. */
  private rest(e: AuditEvent): string {
    let fields = `{"sshtrail_type":${q(e.type)}`;
    if (e.session_id) fields += `,"sshtrail_session_id":${jsonString(e.session_id)}`;
    if (typeof e.login === 'string') fields += `,"sshtrail_login":${q(e.login)}`;
    return `,"host":${q(this.o.host ?? e.hostname)}${this.constant},"fields":${fields}},"event":`;
  }

  /** The envelope up to `"event":`; the canonical JSON and a closing brace follow. */
  head(e: AuditEvent): string {
    return `{"time":${epochSeconds(e.time)}${this.rest(e)}`;
  }

  envelope(e: AuditEvent): string {
    return `${this.head(e)}${eventJson(e)}}`;
  }

  /** The same bytes as `envelope`, written into `w` from a cached head (no per-event string). */
  write(w: JsonWriter, e: AuditEvent): void {
    if (e.session_id !== undefined && typeof e.session_id !== 'string') {
      w.raw(this.envelope(e));
      return;
    }
    const key = e.session_id ?? '';
    let h = this.heads.get(key);
    if (!h || h.login !== e.login || h.hostname !== e.hostname) {
      if (this.heads.size >= MAX_SESSIONS) this.heads.clear();
      h = { login: e.login, hostname: e.hostname, byType: new Map() };
      this.heads.set(key, h);
    }
    let rest = h.byType.get(e.type);
    if (!rest) {
      rest = Buffer.from(this.rest(e));
      h.byType.set(e.type, rest);
    }
    w.bytes(TIME);
    w.ascii(epochSeconds(e.time));
    w.bytes(rest);
    w.raw(eventJson(e));
    w.byte(0x7d); // }
  }
}

export interface Chunk {
  /** Indexes into the batch, in order. */
  indexes: number[];
  /** The concatenated envelopes, uncompressed. */
  body: Buffer;
}

/**
 * Encodes a batch into request bodies of at most `max` bytes (uncompressed). The whole batch is
 * written once into one buffer and the bodies are views of it, cut at event boundaries. Events
 * that alone exceed `max` are left out and returned in `oversize` (to be rejected).
 */
export function encodeChunks(
  batch: readonly AuditEvent[],
  encoder: Encoder,
  max: number,
): { chunks: Chunk[]; oversize: number[]; sizes: number[] } {
  const w = new JsonWriter(Math.ceil(batch.length * encoder.bytesPerEvent * 1.1) + 4096);
  const ends: number[] = new Array(batch.length);
  const sizes: number[] = new Array(batch.length);
  const oversize: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    const start = w.off;
    encoder.write(w, batch[i] as AuditEvent);
    const n = w.off - start;
    sizes[i] = n;
    if (n > max) {
      oversize.push(i);
      w.off = start; // left out of the body
    }
    ends[i] = w.off;
  }
  if (batch.length > 0) encoder.bytesPerEvent = Math.max(256, Math.ceil(w.off / batch.length));
  const buf = w.buf;
  const chunks: Chunk[] = [];
  let indexes: number[] = [];
  let from = 0;
  let to = 0;
  for (let i = 0; i < batch.length; i++) {
    if ((sizes[i] as number) > max) continue;
    const n = (ends[i] as number) - to;
    if (to + n - from > max && indexes.length > 0) {
      chunks.push({ indexes, body: buf.subarray(from, to) });
      indexes = [];
      from = to;
    }
    indexes.push(i);
    to += n;
  }
  if (indexes.length > 0) chunks.push({ indexes, body: buf.subarray(from, to) });
  return { chunks, oversize, sizes };
}
