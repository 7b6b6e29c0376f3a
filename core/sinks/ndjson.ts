/** Batches as NDJSON text, for sinks whose transport takes strings (stdout). */
import { preserialised } from '../events/json.js';
import type { AuditEvent } from './sink.js';

export function encodeBatch(batch: readonly AuditEvent[]): string {
  let out = '';
  for (let i = 0; i < batch.length; i++) out += `${preserialised(batch[i] as AuditEvent)}\n`;
  return out;
}
