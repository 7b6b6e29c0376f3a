/**
 * What an event is, for every part of sshtrail: the types generated from schemas/ (the public
 * contract), under the names the code uses. Producers pass `FieldsOf<T>` to `emit`; sinks receive
 * `AuditEvent`, the union of every type's stamped event, and narrow it on `type`. The enums are
 * the schemas' own lists: a reason a schema does not have cannot be written here.
 */
import type { AuditLossReason, AuthFailureReason } from './types.generated.js';

export type { AuditEvent, EventOf, EventType, FieldsOf } from './types.generated.js';

/** Reasons an event can be lost, as they appear in audit.loss events and metrics. */
export type LossReason = AuditLossReason;

/** Why an authentication attempt was refused (auth.failure's reason). */
export type FailureReason = AuthFailureReason;
