/**
 * HEC event envelopes. `time` is epoch seconds with the event's own fraction digits written
 * verbatim (no float rounding); `event` is the canonical event JSON, serialised once and shared
 * with the other sinks; `fields` are indexed fields (strings only, as HEC requires).
 */
import { type AuditEvent, eventJson } from '../../core/sinks/sink.js';
import type { ResolvedSplunkHecOptions } from './config.js';

/** "2026-11-29T00:26:01.123456789Z" -> "1764375961.123456789" (an RFC 3339 UTC time). */
export function epochSeconds(time: string): string {
  const dot = time.indexOf('.');
  const frac = dot >= 0 ? (/^\.(\d+)/.exec(time.slice(dot))?.[1] ?? '') : '';
  const whole = dot >= 0 ? time.slice(0, dot) + time.slice(dot + 1 + frac.length) : time;
  const secs = Math.floor(Date.parse(whole) / 1000);
  return frac ? `${secs}.${frac}` : String(secs);
}

export class Encoder {
  private readonly constant: string;
  constructor(private readonly o: ResolvedSplunkHecOptions) {
    // source/sourcetype/index are the same for every event: serialised once.
    this.constant = `,"source":${JSON.stringify(o.source)},"sourcetype":${JSON.stringify(o.sourcetype)}${
      o.index ? `,"index":${JSON.stringify(o.index)}` : ''
    }`;
  }

  envelope(e: AuditEvent): string {
    const fields: Record<string, string> = { type: e.type };
    if (e.session_id) fields.session_id = e.session_id;
    if (typeof e.login === 'string') fields.login = e.login;
    return `{"time":${epochSeconds(e.time)},"host":${JSON.stringify(this.o.host ?? e.hostname)}${this.constant},"fields":${JSON.stringify(fields)},"event":${eventJson(e)}}`;
  }
}

export interface Chunk {
  /** Indexes into the batch, in order. */
  indexes: number[];
  body: string;
}

/**
 * Splits a batch into request bodies of at most `max` bytes (uncompressed). Events that alone
 * exceed `max` are returned in `oversize` (to be rejected).
 */
export function chunk(encoded: readonly string[], max: number): { chunks: Chunk[]; oversize: number[] } {
  const chunks: Chunk[] = [];
  const oversize: number[] = [];
  let cur: Chunk = { indexes: [], body: '' };
  let size = 0;
  for (let i = 0; i < encoded.length; i++) {
    const s = encoded[i] as string;
    const n = Buffer.byteLength(s);
    if (n > max) {
      oversize.push(i);
      continue;
    }
    if (size + n > max && cur.indexes.length > 0) {
      chunks.push(cur);
      cur = { indexes: [], body: '' };
      size = 0;
    }
    cur.indexes.push(i);
    cur.body += s;
    size += n;
  }
  if (cur.indexes.length > 0) chunks.push(cur);
  return { chunks, oversize };
}
