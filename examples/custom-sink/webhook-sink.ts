/**
 * An example custom sink, loaded by the `module` sink type: POSTs each batch as NDJSON to a
 * webhook and maps the HTTP answer to per-event outcomes. It owns no queue and no retry loop:
 * sshtrail's pipeline batches, retries, drops and counts around it.
 *
 * Config:
 *   sinks:
 *     - type: module
 *       name: webhook
 *       path: /opt/sshtrail-sinks/webhook-sink.js    # this file, compiled
 *       options: { url: "https://collector.example.org/ingest", token: "..." }
 *
 * The receiver answers 2xx (all delivered), 429/5xx (try again later), another 4xx (refused), or
 * 207 with {"results": ["ok" | "retry" | "rejected", ...]}, one per line, for mixed outcomes.
 */
// encodeBatch writes each event's JSON with eventJson (core/sinks/sink.js), which the pipeline
// has already made as the event left its queue: the event is serialised once for all sinks.
import { encodeBatch } from '../../core/sinks/ndjson.js';
import type { AuditEvent, EventOutcome, SendResult, Sink, SinkContext } from '../../core/sinks/sink.js';

export interface WebhookOptions {
  url: string;
  token?: string;
}

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after');
  const s = v === null ? Number.NaN : Number(v);
  return Number.isFinite(s) ? s * 1000 : undefined;
}

export function create(options: Record<string, unknown>, ctx: SinkContext): Sink {
  const { url, token } = options as unknown as WebhookOptions;
  if (typeof url !== 'string') throw new Error('webhook sink: options.url is required');
  return {
    name: ctx.name,
    async send(batch: readonly AuditEvent[], signal: AbortSignal): Promise<SendResult> {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-ndjson',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: encodeBatch(batch),
          signal, // the pipeline aborts a request that outlives request_timeout_ms
        });
      } catch (err) {
        return { kind: 'batch', outcome: { status: 'retry', error: String(err) } };
      }
      if (res.status === 207) {
        const body = (await res.json()) as { results?: string[] };
        const outcomes = batch.map((_, i): EventOutcome => {
          const r = body.results?.[i];
          if (r === 'ok') return { status: 'sent' };
          if (r === 'rejected') return { status: 'rejected', error: 'refused by the webhook' };
          return { status: 'retry', error: `webhook said ${r ?? 'nothing'}` };
        });
        return { kind: 'each', outcomes };
      }
      await res.body?.cancel();
      if (res.ok) return { kind: 'batch', outcome: { status: 'sent' } };
      if (res.status === 429 || res.status >= 500) {
        const after = retryAfterMs(res);
        return {
          kind: 'batch',
          outcome: {
            status: 'retry',
            error: `HTTP ${res.status}`,
            ...(after ? { retryAfterMs: after } : {}),
          },
        };
      }
      return { kind: 'batch', outcome: { status: 'rejected', error: `HTTP ${res.status}` } };
    },
    async close() {},
  };
}
