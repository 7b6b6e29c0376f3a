/**
 * The `fluentd` sink: emits one batch (one PackedForward message per event type), awaits its
 * acks, and maps each message's result onto its events. Not writable within connect_timeout_ms,
 * an ack timeout, or a dropped message -> retry; an authentication failure -> rejected, logged,
 * and a fresh client is made for the next batch (the old one is fatally closed).
 */
import type { FluentClient } from '@fluent-org/logger';
import {
  type AuditEvent,
  defineSinkType,
  type EventOutcome,
  type SendResult,
  type Sink,
  type SinkCheckResult,
  type SinkContext,
} from '../../core/sinks/sink.js';
import {
  type FluentdOptions,
  fluentdConfigSchema,
  type ResolvedFluentdOptions,
  resolveOptions,
} from './config.js';
import { eventTime, label, record } from './encoder.js';
import { createClient, failureDetail, isAuthError, outcomeOfFailure, waitWritable } from './transport.js';

const SENT: EventOutcome = { status: 'sent' };

export class FluentdSink implements Sink {
  readonly name: string;
  readonly options: ResolvedFluentdOptions;
  private client: FluentClient | null = null;
  private lastError: Error | null = null;

  constructor(
    options: FluentdOptions,
    private readonly ctx: SinkContext,
  ) {
    this.name = ctx.name;
    this.options = resolveOptions(options);
  }

  private ensureClient(): FluentClient {
    if (!this.client) {
      this.lastError = null;
      this.client = createClient(this.options, (err) => {
        this.lastError = err;
      });
    }
    return this.client;
  }

  async start(): Promise<void> {
    this.ensureClient();
  }

  async send(batch: readonly AuditEvent[], signal: AbortSignal): Promise<SendResult> {
    const client = this.ensureClient();
    if (!(await waitWritable(client, this.options.connect_timeout_ms, signal))) {
      const detail = failureDetail(this.lastError);
      if (isAuthError(this.lastError)) {
        this.ctx.logger.error('fluentd refused the handshake; events are being dropped', {
          sink: this.name,
          error: detail,
        });
        this.client = null;
        void client.shutdown().catch(() => {});
        return { kind: 'batch', outcome: { status: 'rejected', error: detail } };
      }
      return { kind: 'batch', outcome: { status: 'retry', error: detail } };
    }
    // Events of one type emitted in one tick share one message, so these are a few promises.
    const promises: Promise<void>[] = new Array(batch.length);
    // A big batch goes out as up to four messages: each is written (syncFlush) before the next
    // is packed, so Fluentd decodes one while we pack another. Each message has its own ack.
    const step = Math.ceil(batch.length / Math.max(1, Math.min(4, Math.floor(batch.length / 100))));
    for (let start = 0; start < batch.length; start += step) {
      const end = Math.min(batch.length, start + step);
      for (let i = start; i < end; i++) {
        const e = batch[i] as AuditEvent;
        promises[i] = client.emit(label(e), record(e), eventTime(e.time));
      }
      client.syncFlush();
    }
    const unique = [...new Set(promises)];
    const settled = new Map<Promise<void>, EventOutcome>();
    let onAbort = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([
      Promise.all(
        unique.map((p) =>
          p.then(
            () => void settled.set(p, SENT),
            (err: unknown) => void settled.set(p, outcomeOfFailure(err)),
          ),
        ),
      ),
      aborted,
    ]);
    signal.removeEventListener('abort', onAbort);
    const pending: EventOutcome = { status: 'retry', error: 'aborted before the ack' };
    if (unique.length === 1)
      return { kind: 'batch', outcome: settled.get(unique[0] as Promise<void>) ?? pending };
    return { kind: 'each', outcomes: promises.map((p) => settled.get(p) ?? pending) };
  }

  get checkTimeoutMs(): number {
    return this.options.connect_timeout_ms + this.options.ack.timeout_ms;
  }

  async preflight(): Promise<SinkCheckResult> {
    const via = this.options.tls.enabled ? 'TLS' : 'TCP';
    return { ok: true, detail: `forward ${via}${this.options.ack.enabled ? ', acked' : ''}` };
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.shutdown().catch(() => {});
  }
}

export const fluentdSinkType = defineSinkType<FluentdOptions>({
  type: 'fluentd',
  description:
    'Fluentd / Fluent Bit forward input (Forward protocol v1, PackedForward, acks, TLS, shared key).',
  configSchema: fluentdConfigSchema,
  create: (options, ctx) => new FluentdSink(options, ctx),
});
