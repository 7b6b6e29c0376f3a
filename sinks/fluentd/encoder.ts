/**
 * What the Forward protocol carries per event: the tag label (the event type; the client adds
 * `<tag_prefix>.`), an EventTime with the event's nanoseconds, and the canonical event as the
 * record (msgpack-encoded by the client, once, as it enters the message).
 */
import { EventTime } from '@fluent-org/logger';
import type { AuditEvent } from '../../core/sinks/sink.js';

/** RFC 3339 time -> EventTime(seconds, nanoseconds), keeping all nine fraction digits. */
export function eventTime(time: string): EventTime {
  const dot = time.indexOf('.');
  const frac = dot >= 0 ? (/^\.(\d+)/.exec(time.slice(dot))?.[1] ?? '') : '';
  const whole = dot >= 0 ? time.slice(0, dot) + time.slice(dot + 1 + frac.length) : time;
  const secs = Math.floor(Date.parse(whole) / 1000);
  const nano = frac ? Number(frac.slice(0, 9).padEnd(9, '0')) : 0;
  return new EventTime(secs, nano);
}

export function label(e: AuditEvent): string {
  return e.type;
}

export function record(e: AuditEvent): Record<string, unknown> {
  return e as unknown as Record<string, unknown>;
}
