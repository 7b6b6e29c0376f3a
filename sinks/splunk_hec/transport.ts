/**
 * HTTP(S) with keep-alive to one HEC endpoint: POST a body (gzip optional), GET health. A failed
 * request is told in one line by core/sinks/network-error.ts, as for every network sink.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

// Compressed on libuv's thread pool, at the fastest level: the event loop keeps stamping events.
const gzipAsync = promisify(gzip);

import type { ResolvedSplunkHecOptions } from './config.js';

export interface HttpReply {
  status: number;
  body: string;
}

/** HEC's JSON reply: {"text":"Success","code":0[,"ackId":N][,"invalid-event-number":N]}. */
export interface HecReply {
  text?: string;
  code?: number;
  ackId?: number;
  'invalid-event-number'?: number;
  acks?: Record<string, boolean>;
}

export class HecTransport {
  private readonly agent: http.Agent;
  private readonly base: URL;
  private readonly lib: typeof http | typeof https;

  constructor(private readonly o: ResolvedSplunkHecOptions) {
    this.base = new URL(o.endpoint);
    const secure = this.base.protocol === 'https:';
    this.lib = secure ? https : http;
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          rejectUnauthorized: o.tls.verify,
          ...(o.tls.ca_file ? { ca: readFileSync(o.tls.ca_file) } : {}),
        })
      : new http.Agent({ keepAlive: true });
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    body: string | Buffer | null,
    signal?: AbortSignal,
    auth = true,
  ): Promise<HttpReply> {
    const headers: Record<string, string> = { 'X-Splunk-Request-Channel': this.o.channel };
    if (auth) headers.Authorization = `Splunk ${this.o.token}`;
    let payload: Buffer | null = null;
    if (body !== null) {
      const raw = typeof body === 'string' ? Buffer.from(body) : body;
      payload = this.o.gzip ? await gzipAsync(raw, { level: constants.Z_BEST_SPEED }) : raw;
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
      if (this.o.gzip) headers['Content-Encoding'] = 'gzip';
    }
    const url = new URL(path, this.base);
    return new Promise<HttpReply>((resolve, reject) => {
      const req = this.lib.request(
        url,
        {
          method,
          headers,
          agent: this.agent,
          timeout: 120_000, // idle-socket backstop; the pipeline aborts slow sends through the signal
          ...(signal ? { signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', reject);
      req.end(payload ?? undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function parseReply(body: string): HecReply | null {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' ? (v as HecReply) : null;
  } catch {
    return null;
  }
}
