/**
 * The producing side of the event pipeline. Producers (the SSH server, the BPF decoder) call
 * `emit` with an event type and its own fields; the pipeline stamps the envelope (id, time, seq,
 * schema, server and session context), validates, and fans out. `emit` is synchronous and never
 * waits: a slow sink never stalls a producer.
 */

import type { EventType, FieldsOf } from './event.js';

/** The identity a client authenticated with. */
export interface UserIdentity {
  /** Key algorithm as in the SSH wire name, e.g. "ssh-ed25519". */
  key_type: string;
  /** OpenSSH-style "SHA256:<base64 without padding>". */
  fingerprint: string;
}

/** What the envelope carries about the session an event belongs to. */
export interface SessionContext {
  session_id: string;
  login: string;
  user?: UserIdentity;
  client_addr: string;
  client_port: number;
}

/**
 * When an event happened, when that is not "now": a kernel event carries its syscall's time.
 * Wall-clock Unix seconds and nanoseconds (two numbers: nanoseconds since 1970 exceed a double).
 */
export interface EventTime {
  sec: number;
  nsec: number;
}

/** Context known before a session exists (auth events): no session id, no per-session seq. */
export type ConnectionContext = Omit<SessionContext, 'session_id'> & { session_id?: undefined };

export interface AuditEmitter {
  /**
   * Stamp, validate and enqueue one event. `fields` are the type-specific fields defined by the
   * type's schema (not the envelope), typed from it (core/events/types.generated.ts): a field the
   * schema does not have, or of the wrong type, fails to compile. Still validated at run time (a
   * value out of a schema's bounds). Never throws for a bad event: an invalid event is counted
   * and logged as a bug. `at` is the event's time when it happened before now (kernel events);
   * the envelope's `time` is then that time instead of the time of the call.
   */
  emit<T extends EventType>(
    type: T,
    fields: FieldsOf<T>,
    context?: SessionContext | ConnectionContext,
    at?: EventTime,
  ): void;
  /**
   * Ends a session's sequence: called after the session's last event (session.end), so the
   * pipeline can forget the session's counter.
   */
  endSession?(sessionId: string): void;
}
