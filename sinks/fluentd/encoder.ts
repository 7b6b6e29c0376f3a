/**
 * What the Forward protocol carries per event: the tag label (the event type; the client adds
 * `<tag_prefix>.`), an EventTime with the event's nanoseconds, and the canonical event as the
 * record (msgpack-encoded by the client, once, as it enters the message).
 */
import { EventTime } from '@fluent-org/logger';
import type { AuditEvent } from '../../core/sinks/sink.js';

let lastWhole = '';
let lastSecs = 0;

/**
 * RFC 3339 time -> EventTime(seconds, nanoseconds), keeping all nine fraction digits.
 * Consecutive events mostly share their second, so the parsed second is memoised (no Date.parse
 * and no regex per event).
 */
export function eventTime(time: string): EventTime {
  const dot = time.indexOf('.');
  let end = dot + 1;
  if (dot >= 0) while (end < time.length && time.charCodeAt(end) >= 48 && time.charCodeAt(end) <= 57) end++;
  const frac = dot >= 0 ? time.slice(dot + 1, end) : '';
  const whole = dot >= 0 ? time.slice(0, dot) + time.slice(end) : time;
  if (whole !== lastWhole) {
    lastSecs = Math.floor(Date.parse(whole) / 1000);
    lastWhole = whole;
  }
  const nano = frac ? Number(frac.length === 9 ? frac : frac.slice(0, 9).padEnd(9, '0')) : 0;
  return new EventTime(lastSecs, nano);
}

export function label(e: AuditEvent): string {
  return e.type;
}

/** The canonical event itself is the record (the client msgpacks its fields). */
export function record(e: AuditEvent): AuditEvent {
  return e;
}
