/**
 * The `splunk_hec` sink: a batch becomes one or more requests under max_request_bytes, each a
 * run of concatenated envelopes; HEC's reply decides each event's outcome:
 *   code 0                     -> sent (with ack enabled: once acked; never acked -> rejected, ack_timeout)
 *   codes 1-4 (token)          -> rejected, logged as an error
 *   codes 5-7, 12-16 (data)    -> events before invalid-event-number were indexed (sent), that event
 *                                 is rejected, the rest are retried
 *   codes 8, 9, HTTP 503/5xx   -> retry; 10/11 (channel) -> retry, logged
 *   network failure, timeout, malformed reply -> retry
 */
import { describeNetworkError } from '../../core/sinks/network-error.js';
import {
  type AuditEvent,
  defineSinkType,
  type EventOutcome,
  type SendResult,
  type Sink,
  type SinkCheckResult,
  type SinkContext,
} from '../../core/sinks/sink.js';
import { AckPoller } from './acks.js';
import {
  type ResolvedSplunkHecOptions,
  resolveOptions,
  type SplunkHecOptions,
  splunkHecConfigSchema,
} from './config.js';
import { type Chunk, Encoder, encodeChunks } from './encoder.js';
import { HecTransport, parseReply } from './transport.js';

const SENT: EventOutcome = { status: 'sent' };
/** How long health checks and `sinks test` wait. */
const CHECK_TIMEOUT_MS = 10_000;
const DATA_CODES = new Set([5, 6, 7, 12, 13, 14, 15, 16]);
const TOKEN_CODES = new Set([1, 2, 3, 4]);

export class SplunkHecSink implements Sink {
  readonly name: string;
  readonly options: ResolvedSplunkHecOptions;
  private readonly transport: HecTransport;
  private readonly encoder: Encoder;
  private readonly acks: AckPoller | null;

  constructor(
    options: SplunkHecOptions,
    private readonly ctx: SinkContext,
  ) {
    this.name = ctx.name;
    this.options = resolveOptions(options);
    this.transport = new HecTransport(this.options);
    this.encoder = new Encoder(this.options);
    const a = this.options.ack;
    this.acks = a.enabled
      ? new AckPoller(this.transport, this.options.channel, a.poll_ms, a.timeout_ms)
      : null;
  }

  async start(): Promise<void> {
    const h = await this.health();
    if (!h.ok) throw new Error(`splunk HEC health check failed: ${h.detail}`);
  }

  async health(): Promise<SinkCheckResult> {
    try {
      const r = await this.transport.request(
        'GET',
        '/services/collector/health',
        null,
        AbortSignal.timeout(CHECK_TIMEOUT_MS),
        false,
      );
      const reply = parseReply(r.body);
      if (r.status === 200) return { ok: true, detail: reply?.text ?? 'HEC is healthy' };
      return {
        ok: false,
        detail: `HEC unhealthy: HTTP ${r.status}${reply ? ` ${reply.text} (code ${reply.code})` : ''}`,
      };
    } catch (err) {
      return { ok: false, detail: describeNetworkError(err) };
    }
  }

  async send(batch: readonly AuditEvent[], signal: AbortSignal): Promise<SendResult> {
    const outcomes: EventOutcome[] = new Array(batch.length);
    const { chunks, oversize, sizes } = encodeChunks(batch, this.encoder, this.options.max_request_bytes);
    for (const i of oversize) {
      outcomes[i] = {
        status: 'rejected',
        error: `event of ${sizes[i]} bytes exceeds max_request_bytes (${this.options.max_request_bytes})`,
      };
    }
    // One request after another: batches in flight at once are the pipeline's max_in_flight, the
    // only concurrency setting (a batch's requests are never sent in parallel here).
    const acked: Promise<void>[] = [];
    for (const c of chunks) await this.sendChunk(c, outcomes, acked, signal);
    await Promise.all(acked);
    return { kind: 'each', outcomes };
  }

  /** One request; its events' outcomes are written into `outcomes`, ack waits into `acked`. */
  private async sendChunk(
    c: Chunk,
    outcomes: EventOutcome[],
    acked: Promise<void>[],
    signal: AbortSignal,
  ): Promise<void> {
    const mark = (from: number, o: EventOutcome) => {
      for (let k = from; k < c.indexes.length; k++) outcomes[c.indexes[k] as number] = o;
    };
    if (signal.aborted) {
      mark(0, { status: 'retry', error: 'aborted' });
      return;
    }
    let status: number;
    let body: string;
    try {
      ({ status, body } = await this.transport.request('POST', '/services/collector/event', c.body, signal));
    } catch (err) {
      mark(0, { status: 'retry', error: describeNetworkError(err) });
      return;
    }
    const reply = parseReply(body);
    const code = reply?.code;
    if (code === 0 && status >= 200 && status < 300) {
      if (this.acks && typeof reply?.ackId === 'number') {
        const acks = this.acks;
        const id = reply.ackId;
        mark(0, SENT);
        acked.push(
          acks.wait(id).then((ok) => {
            if (!ok)
              mark(0, {
                status: 'rejected',
                error: `ackId ${id} not acknowledged within ${this.options.ack.timeout_ms} ms`,
                reason: 'ack_timeout',
              });
          }),
        );
      } else mark(0, SENT);
      return;
    }
    const what = reply ? `HEC code ${code}: ${reply.text}` : `HTTP ${status}, unparseable reply`;
    if (code !== undefined && TOKEN_CODES.has(code)) {
      this.ctx.logger.error('splunk HEC refused the token; events are being dropped', {
        sink: this.name,
        error: what,
      });
      mark(0, { status: 'rejected', error: `auth/token: ${what}` });
    } else if (code !== undefined && DATA_CODES.has(code)) {
      const at = reply?.['invalid-event-number'];
      if (typeof at === 'number' && at >= 0 && at < c.indexes.length) {
        for (let k = 0; k < at; k++) outcomes[c.indexes[k] as number] = SENT;
        outcomes[c.indexes[at] as number] = { status: 'rejected', error: what };
        mark(at + 1, { status: 'retry', error: `resent after invalid event ${at}` });
      } else mark(0, { status: 'rejected', error: what });
    } else if (code === 10 || code === 11) {
      this.ctx.logger.error('splunk HEC refused the request channel', { sink: this.name, error: what });
      mark(0, { status: 'retry', error: what });
    } else if (status >= 400 && status < 500 && reply) {
      mark(0, { status: 'rejected', error: what });
    } else {
      // 8, 9, HTTP 503 or any 5xx, or a reply we cannot read: transient.
      mark(0, { status: 'retry', error: what });
    }
  }

  get checkTimeoutMs(): number {
    return CHECK_TIMEOUT_MS + this.options.ack.timeout_ms;
  }

  async preflight(): Promise<SinkCheckResult> {
    const h = await this.health();
    return h.ok && this.acks ? { ok: true, detail: `${h.detail}, acknowledged` } : h;
  }

  async close(): Promise<void> {
    this.acks?.close();
    this.transport.close();
  }
}

export const splunkHecSinkType = defineSinkType<SplunkHecOptions>({
  type: 'splunk_hec',
  description:
    'Splunk HTTP Event Collector (batched JSON envelopes, gzip, optional indexer acknowledgement).',
  configSchema: splunkHecConfigSchema,
  create: (options, ctx) => new SplunkHecSink(options, ctx),
});
