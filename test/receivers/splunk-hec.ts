/**
 * A local Splunk HTTP Event Collector answering as Splunk does: `Authorization: Splunk <token>`
 * (codes 1-4 with their exact bodies), concatenated JSON envelopes (gzip too), per-event checks
 * with `invalid-event-number` (events before it are indexed, as HEC does), channels (code 10 when
 * a token with ack has none), indexer acks (`ackId`, /services/collector/ack) and
 * /services/collector/health. Faults are set on `faults` at any time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RestartableHttp, readBody, sendJson, sleep } from './http-util.js';

/** HEC's status codes: HTTP status and exact text. */
export const HEC_CODES: Record<number, [number, string]> = {
  0: [200, 'Success'],
  1: [403, 'Token disabled'],
  2: [401, 'Token is required'],
  3: [401, 'Invalid authorization'],
  4: [403, 'Invalid token'],
  5: [400, 'No data'],
  6: [400, 'Invalid data format'],
  7: [400, 'Incorrect index'],
  8: [500, 'Internal server error'],
  9: [503, 'Server is busy'],
  10: [400, 'Data channel is missing'],
  11: [400, 'Invalid data channel'],
  12: [400, 'Event field is required'],
  13: [400, 'Event field cannot be blank'],
  14: [400, 'ACK is disabled'],
  15: [400, 'Error in handling indexed fields'],
  16: [400, 'Query string authorization is not enabled'],
  17: [200, 'HEC is healthy'],
  18: [503, 'HEC is unhealthy, queues are full'],
};

export interface HecEnvelope {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index?: string;
  fields?: Record<string, unknown>;
  event: Record<string, unknown>;
}

export interface HecFaults {
  /** Reply with this code for the next `count` event requests (8, 9 storms; or 1-4). */
  storm?: { code: number; count: number };
  /** A code (5-7, 12-16) for an event; the request stops there with invalid-event-number. */
  invalid?: (env: HecEnvelope, i: number) => number | undefined;
  resetNext?: number;
  malformedNext?: number;
  delayMs?: number;
  /** Acks stay false forever. */
  neverAck?: boolean;
  unhealthy?: boolean;
}

export class SplunkHecReceiver {
  readonly http = new RestartableHttp((req, res) => this.handle(req, res));
  faults: HecFaults = {};
  readonly events: (HecEnvelope & { channel?: string })[] = [];
  readonly indexes = new Set(['main', 'sshtrail']);
  gzipRequests = 0;
  /** Events indexed (stored or, with keep = false, only counted: benchmarks). */
  received = 0;
  keep = true;
  eventRequests = 0;
  private nextAck = 0;
  private readonly acked = new Map<string, Set<number>>();

  constructor(
    private readonly token: string,
    private readonly opts: { ack?: boolean; disabled?: boolean } = {},
  ) {}

  start(): Promise<void> {
    return this.http.start();
  }
  stop(): Promise<void> {
    return this.http.stop();
  }
  get url(): string {
    return this.http.url;
  }

  private reply(res: ServerResponse, code: number, extra: Record<string, unknown> = {}): void {
    const [status, text] = HEC_CODES[code] ?? [500, 'Internal server error'];
    sendJson(res, status, { text, code, ...extra });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/services/collector/health' || path === '/services/collector/health/1.0') {
      this.reply(res, this.faults.unhealthy ? 18 : 17);
      return;
    }
    const isEvent = [
      '/services/collector',
      '/services/collector/event',
      '/services/collector/event/1.0',
    ].includes(path);
    if (isEvent && this.faults.resetNext) {
      this.faults.resetNext--;
      req.once('data', () => req.socket.destroy());
      return;
    }
    const raw = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') this.gzipRequests++;
    const auth = req.headers.authorization;
    if (!auth) return this.reply(res, 2);
    const m = /^Splunk (\S+)$/.exec(auth);
    if (!m) return this.reply(res, 3);
    if (m[1] !== this.token) return this.reply(res, 4);
    if (this.opts.disabled) return this.reply(res, 1);
    const channel =
      (req.headers['x-splunk-request-channel'] as string | undefined) ??
      url.searchParams.get('channel') ??
      undefined;
    if (path === '/services/collector/ack') {
      if (!this.opts.ack) return this.reply(res, 14);
      if (!channel) return this.reply(res, 10);
      const asked = (JSON.parse(raw.toString('utf8')) as { acks: number[] }).acks;
      const done = this.acked.get(channel) ?? new Set();
      sendJson(res, 200, {
        acks: Object.fromEntries(asked.map((id) => [String(id), !this.faults.neverAck && done.has(id)])),
      });
      return;
    }
    if (!isEvent || req.method !== 'POST') {
      sendJson(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
      return;
    }
    this.eventRequests++;
    if (this.faults.delayMs) await sleep(this.faults.delayMs);
    if (this.opts.ack && !channel) return this.reply(res, 10);
    if (this.faults.storm && this.faults.storm.count > 0) {
      this.faults.storm.count--;
      return this.reply(res, this.faults.storm.code);
    }
    if (this.faults.malformedNext) {
      this.faults.malformedNext--;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"text":"Succ');
      return;
    }
    const text = raw.toString('utf8');
    if (text.trim().length === 0) return this.reply(res, 5);
    const parsed = splitConcatenated(text);
    for (let i = 0; i < parsed.length; i++) {
      let env: HecEnvelope;
      try {
        env = JSON.parse(parsed[i] as string) as HecEnvelope;
      } catch {
        return this.reply(res, 6, { 'invalid-event-number': i });
      }
      if (!('event' in env)) return this.reply(res, 12, { 'invalid-event-number': i });
      if ((env.event as unknown) === '' || env.event === null)
        return this.reply(res, 13, { 'invalid-event-number': i });
      if (env.index !== undefined && !this.indexes.has(env.index))
        return this.reply(res, 7, { 'invalid-event-number': i });
      if (env.fields && Object.values(env.fields).some((v) => typeof v === 'object' && !Array.isArray(v))) {
        return this.reply(res, 15, { 'invalid-event-number': i });
      }
      const injected = this.faults.invalid?.(env, i);
      if (injected !== undefined) return this.reply(res, injected, { 'invalid-event-number': i });
      // Indexed as it arrives: events before an invalid one stay indexed.
      this.received++;
      if (this.keep)
        this.events.push({ ...env, index: env.index ?? 'main', ...(channel ? { channel } : {}) });
    }
    if (this.opts.ack && channel) {
      const id = this.nextAck++;
      const set = this.acked.get(channel) ?? new Set<number>();
      set.add(id);
      this.acked.set(channel, set);
      return this.reply(res, 0, { ackId: id });
    }
    this.reply(res, 0);
  }
}

/** Splits concatenated JSON objects ({..}{..} with optional whitespace), string-aware. */
export function splitConcatenated(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++;
      else if (ch === 34) inString = false;
      continue;
    }
    if (ch === 34) inString = true;
    else if (ch === 123) {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === 125) {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
    } else if (depth === 0 && ch !== 32 && ch !== 10 && ch !== 13 && ch !== 9) {
      out.push(text.slice(i)); // garbage outside an object: reported as invalid data
      break;
    }
  }
  if (depth !== 0 && start >= 0) out.push(text.slice(start));
  return out;
}
