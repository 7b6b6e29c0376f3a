/**
 * The pipeline serialises each event once, while stamping (the envelope part is pre-serialised
 * per type, server and session context, pino-style), and keeps the JSON on the event under a
 * symbol: invisible to JSON.stringify, Object.keys and sinks that do not know it. Sinks written
 * here read it with `preserialised`; others fall back to `eventJson` from core/sinks/sink.ts.
 */
import { type AuditEvent, eventJson } from '../sinks/sink.js';

export const kJson: unique symbol = Symbol('sshtrail.json');

export function preserialised(event: AuditEvent): string {
  return ((event as unknown as Record<symbol, string | undefined>)[kJson] ?? eventJson(event)) as string;
}
