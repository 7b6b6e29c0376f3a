/**
 * The `syslog` sink: a batch becomes one write of octet-counted RFC 5424 frames. A failed connect
 * or write retries the whole batch (collectors dedupe nothing, so a retried batch may repeat
 * events that reached the collector before a reset: at-least-once, as with any TCP syslog).
 */
import { describeNetworkError } from '../../core/sinks/network-error.js';
import {
  type AuditEvent,
  defineSinkType,
  type SendResult,
  type Sink,
  type SinkCheckResult,
  type SinkContext,
} from '../../core/sinks/sink.js';
import {
  type ResolvedSyslogOptions,
  resolveOptions,
  type SyslogOptions,
  syslogConfigSchema,
} from './config.js';
import { Encoder } from './encoder.js';
import { SyslogConnection } from './transport.js';

export class SyslogSink implements Sink {
  readonly name: string;
  readonly options: ResolvedSyslogOptions;
  private readonly encoder: Encoder;
  private readonly conn: SyslogConnection;

  constructor(options: SyslogOptions, ctx: SinkContext) {
    this.name = ctx.name;
    this.options = resolveOptions(options);
    this.encoder = new Encoder(this.options);
    this.conn = new SyslogConnection(this.options);
  }

  async send(batch: readonly AuditEvent[], signal: AbortSignal): Promise<SendResult> {
    try {
      await this.conn.write(this.encoder.frames(batch), signal);
      return { kind: 'batch', outcome: { status: 'sent' } };
    } catch (err) {
      return { kind: 'batch', outcome: { status: 'retry', error: describeNetworkError(err) } };
    }
  }

  get checkTimeoutMs(): number {
    return this.options.connect_timeout_ms + 5000;
  }

  async preflight(): Promise<SinkCheckResult> {
    const via = this.options.tls.enabled ? 'TLS' : 'TCP';
    return { ok: true, detail: `RFC 5424 over ${via}, written; syslog has no acknowledgement` };
  }

  async close(): Promise<void> {
    this.conn.close();
  }
}

export const syslogSinkType = defineSinkType<SyslogOptions>({
  type: 'syslog',
  description: 'Syslog RFC 5424 over TCP (octet counting) or TLS, JSON event as MSG.',
  configSchema: syslogConfigSchema,
  create: (options, ctx) => new SyslogSink(options, ctx),
});
