/**
 * The Elasticsearch client and what its failures mean. The client does no retries of its own
 * (maxRetries 0): the pipeline owns retries. It refuses any 2xx without
 * `x-elastic-product: Elasticsearch` (ProductNotSupportedError), which we report as such.
 */
import { readFileSync } from 'node:fs';
import { Client, errors } from '@elastic/elasticsearch';
import { describeNetworkError } from '../../core/sinks/network-error.js';
import type { ElasticsearchOptions } from './config.js';
import {
  COMPONENT_NAME,
  componentTemplateBody,
  INDEX_TEMPLATE_NAME,
  indexTemplateBody,
  ingestPipelineBody,
  PIPELINE_NAME,
} from './templates.js';

export function createClient(o: ElasticsearchOptions): Client {
  const auth = o.api_key
    ? { apiKey: o.api_key }
    : o.username !== undefined
      ? { username: o.username, password: o.password ?? '' }
      : undefined;
  return new Client({
    nodes: o.nodes,
    ...(auth ? { auth } : {}),
    tls: {
      ...(o.tls.ca_file ? { ca: readFileSync(o.tls.ca_file) } : {}),
      rejectUnauthorized: o.tls.verify,
    },
    compression: o.compression,
    // The pipeline aborts a send after its request_timeout_ms (AbortSignal); this is only a backstop.
    requestTimeout: 120_000,
    maxRetries: 0,
    sniffOnStart: false,
  });
}

export interface Classified {
  /** retry: transient; rejected: the server or config refuses and will keep refusing. */
  kind: 'retry' | 'rejected';
  detail: string;
  retryAfterMs?: number;
}

function reasonOf(body: unknown): string {
  const err = (body as { error?: { type?: string; reason?: string } | string } | undefined)?.error;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object') return [err.type, err.reason].filter(Boolean).join(': ');
  return '';
}

function retryAfter(headers: Record<string, unknown> | undefined): number | undefined {
  const v = headers?.['retry-after'];
  const s = typeof v === 'string' ? Number(v) : undefined;
  return s !== undefined && Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** Maps a client error to an outcome and a one-line precise reason. */
export function classify(err: unknown): Classified {
  if (err instanceof errors.ProductNotSupportedError) {
    return {
      kind: 'rejected',
      detail:
        'product check failed: the server is not Elasticsearch (no "x-elastic-product: Elasticsearch" header)',
    };
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const why = reasonOf(err.body);
    if (status === 429 || status >= 500) {
      const ra = retryAfter(err.headers as Record<string, unknown> | undefined);
      return {
        kind: 'retry',
        detail: `HTTP ${status}${why ? ` ${why}` : ''}`,
        ...(ra !== undefined ? { retryAfterMs: ra } : {}),
      };
    }
    if (status === 401)
      return { kind: 'rejected', detail: `authentication failed (HTTP 401)${why ? `: ${why}` : ''}` };
    if (status === 403)
      return { kind: 'rejected', detail: `permission denied (HTTP 403)${why ? `: ${why}` : ''}` };
    return { kind: 'rejected', detail: `HTTP ${status}${why ? `: ${why}` : ''}` };
  }
  if (err instanceof errors.TimeoutError) return { kind: 'retry', detail: 'request timed out' };
  if (err instanceof errors.DeserializationError)
    return { kind: 'retry', detail: `malformed response: ${err.message}` };
  if (err instanceof errors.RequestAbortedError) return { kind: 'retry', detail: 'request aborted' };
  if (err instanceof errors.ConnectionError) return { kind: 'retry', detail: describeNetworkError(err) };
  return { kind: 'retry', detail: err instanceof Error ? err.message : String(err) };
}

/** Installs the ingest pipeline, component template and index template (PUTs: idempotent). */
export async function installTemplates(client: Client): Promise<void> {
  await client.ingest.putPipeline({ id: PIPELINE_NAME, ...ingestPipelineBody() } as never);
  await client.cluster.putComponentTemplate({ name: COMPONENT_NAME, ...componentTemplateBody() } as never);
  await client.indices.putIndexTemplate({ name: INDEX_TEMPLATE_NAME, ...indexTemplateBody() } as never);
}
