/**
 * HEC event envelopes. `time` is epoch seconds with the event's own fraction digits written
 * verbatim (no float rounding); `event` is the canonical event JSON, serialised once and shared
 * with the other sinks; `fields` are indexed fields (strings only, as HEC requires).
 */
import { preserialised } from '../../core/events/json.js';
import { jsonString } from '../../core/events/serialize.js';
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

export class Encoder {
  private readonly constant: string;
  constructor(private readonly o: ResolvedSplunkHecOptions) {
    // source/sourcetype/index are the same for every event: serialised once.
    this.constant = `,"source":${JSON.stringify(o.source)},"sourcetype":${JSON.stringify(o.sourcetype)}${
      o.index ? `,"index":${JSON.stringify(o.index)}` : ''
    }`;
  }

  /** The envelope up to `"event":`; the canonical JSON and a closing brace follow. */
  head(e: AuditEvent): string {
    let fields = `{"type":${q(e.type)}`;
    if (e.session_id) fields += `,"session_id":${jsonString(e.session_id)}`;
    if (typeof e.login === 'string') fields += `,"login":${q(e.login)}`;
    return `{"time":${epochSeconds(e.time)},"host":${q(this.o.host ?? e.hostname)}${this.constant},"fields":${fields}},"event":`;
  }

  envelope(e: AuditEvent): string {
    return `${this.head(e)}${preserialised(e)}}`;
  }
}

export interface Chunk {
  /** Indexes into the batch, in order. */
  indexes: number[];
  /** The concatenated envelopes, uncompressed. */
  body: Buffer;
}

/**
 * Encodes a batch into request bodies of at most `max` bytes (uncompressed), aiming at `parts`
 * roughly equal bodies so that they can be in flight together. Each body is written once into
 * one buffer (no intermediate joined string). Events that alone exceed `max` are returned in
 * `oversize` (to be rejected).
 */
export function encodeChunks(
  batch: readonly AuditEvent[],
  encoder: Encoder,
  max: number,
  parts = 1,
): { chunks: Chunk[]; oversize: number[]; sizes: number[] } {
  const heads: string[] = new Array(batch.length);
  const sizes: number[] = new Array(batch.length);
  let total = 0;
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i] as AuditEvent;
    const head = encoder.head(e);
    heads[i] = head;
    const n = Buffer.byteLength(head) + Buffer.byteLength(preserialised(e)) + 1;
    sizes[i] = n;
    total += n;
  }
  const target = Math.min(max, Math.max(64 * 1024, Math.ceil(total / parts)));
  const chunks: Chunk[] = [];
  const oversize: number[] = [];
  let indexes: number[] = [];
  let size = 0;
  const flush = () => {
    const body = Buffer.allocUnsafe(size);
    let off = 0;
    for (const i of indexes) {
      off += body.write(heads[i] as string, off);
      off += body.write(preserialised(batch[i] as AuditEvent), off);
      body[off++] = 0x7d; // }
    }
    chunks.push({ indexes, body });
    indexes = [];
    size = 0;
  };
  for (let i = 0; i < batch.length; i++) {
    const n = sizes[i] as number;
    if (n > max) {
      oversize.push(i);
      continue;
    }
    if (size + n > target && indexes.length > 0) flush();
    indexes.push(i);
    size += n;
  }
  if (indexes.length > 0) flush();
  return { chunks, oversize, sizes };
}
