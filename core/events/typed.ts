/**
 * Compile-time checked emitting: the field types come from core/events/types.generated.ts, which
 * is generated from the schemas, so a producer that passes a field the schema does not have, or
 * of the wrong type, fails to compile rather than being counted as invalid at run time.
 *   emitEvent(pipeline, 'session.command', { pid, ppid, ... }, sessionContext);
 */
import type { AuditEmitter, ConnectionContext, SessionContext } from './emitter.js';
import type { EventFieldsByType } from './types.generated.js';

export type EventType = keyof EventFieldsByType;

export function emitEvent<T extends EventType>(
  emitter: AuditEmitter,
  type: T,
  fields: EventFieldsByType[T],
  context?: SessionContext | ConnectionContext,
): void {
  emitter.emit(type, fields as unknown as Record<string, unknown>, context);
}
