/**
 * The sink contract. A sink encodes and transports one batch and reports what happened to each
 * event; it owns no queue and no retry loop. The pipeline (core/pipeline) owns queueing, batching,
 * retries, drop accounting and shutdown flushing, once, for every sink.
 */
import type { AuditEvent, LossReason } from '../events/event.js';
import type { Logger } from '../log.js';

// The event types live with the events (core/events); sinks name them from here as well.
export type { AuditEvent, EventOf, EventType, LossReason } from '../events/event.js';
/** An event's JSON, serialised once however many sinks encode it (core/events/json.ts). */
export { eventJson } from '../events/json.js';

export type EventOutcome =
  | { status: 'sent' }
  /**
   * Transient failure: the pipeline retries this event with backoff. `reason` names the cause
   * should events be lost while the sink keeps failing so (its queue fills, retries run out):
   * they are then counted as `disk_full`, say, rather than `queue_full`.
   */
  | { status: 'retry'; error?: string; retryAfterMs?: number; reason?: LossReason }
  /** Permanent failure: never retried, counted as lost with `reason` (default "rejected"). */
  | { status: 'rejected'; error: string; reason?: LossReason };

/**
 * Either one outcome for the whole batch, or one per event in batch order (same length).
 * A sink never throws for a delivery failure; a thrown error is treated as `retry` for the batch.
 */
export type SendResult =
  | { kind: 'batch'; outcome: EventOutcome }
  | { kind: 'each'; outcomes: readonly EventOutcome[] };

export const SENT: SendResult = { kind: 'batch', outcome: { status: 'sent' } };

export interface SinkCheckResult {
  ok: boolean;
  /** One line: "ok" details, or the precise reason (connection refused, TLS, auth, ...). */
  detail: string;
}

export interface Sink {
  readonly name: string;
  /** Optional start-up work (templates, health check). Failing here is logged, never fatal. */
  start?(): Promise<void>;
  send(batch: readonly AuditEvent[], signal: AbortSignal): Promise<SendResult>;
  /**
   * For `sshtrail sinks test` (core/sinks/check.ts), before the test event is sent: what a send
   * alone would not tell apart (the cluster, templates, health), or what an ok means here.
   */
  preflight?(): Promise<SinkCheckResult>;
  /** How long the test send may take (connect, request and acknowledgement). */
  readonly checkTimeoutMs?: number;
  /** Where the test event goes, to name it in a failure (`write to logs-sshtrail...`). */
  checkTarget?(testEvent: AuditEvent): string;
  /**
   * Writes on this host (a file): cheap to try once more after shutdown's deadline, so it gets
   * the final audit.loss report of what could not be delivered (core/pipeline/index.ts).
   */
  readonly local?: boolean;
  close(): Promise<void>;
}

export interface SinkContext {
  /** The sink's name from the config (unique). */
  name: string;
  logger: Logger;
  dataDir: string;
  hostname: string;
  serverId: string;
}

/**
 * A sink type: its config's JSON Schema (additionalProperties: false, descriptions) and a factory.
 * `options` has already been validated against `configSchema`.
 */
export interface SinkType<Options = Record<string, unknown>> {
  readonly type: string;
  readonly description: string;
  readonly configSchema: Record<string, unknown>;
  create(options: Options, ctx: SinkContext): Sink | Promise<Sink>;
}

/**
 * Declares a sink type with its own typed options. The pipeline checks each sink's options against
 * `configSchema` (defaults filled in) before `create` sees them: that check is what makes the one
 * narrowing here sound, so registries hold plain SinkTypes and need no casts.
 */
export function defineSinkType<Options>(def: SinkType<Options>): SinkType {
  return { ...def, create: (options, ctx) => def.create(options as Options, ctx) };
}
