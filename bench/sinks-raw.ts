/**
 * The baseline side of bench/sinks.ts: receivers in a worker thread (or rsyslog), counters of
 * what they acknowledged, and raw senders that reach each receiver with no sshtrail in the way
 * (pre-built, pre-compressed bodies; the Forward client alone; pre-framed syslog bytes).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { constants, gzipSync } from 'node:zlib';
import { FluentClient } from '@fluent-org/logger';
import { resolveSettings } from '../core/pipeline/options.js';
import { type AuditEvent, eventJson, type SinkType } from '../core/sinks/sink.js';
import { BulkWriter } from '../sinks/elasticsearch/bulk-writer.js';
import { resolveOptions as hecOptions, type SplunkHecOptions } from '../sinks/splunk_hec/config.js';
import { Encoder as HecEncoder } from '../sinks/splunk_hec/encoder.js';
import { splunkHecSinkType } from '../sinks/splunk_hec/sink.js';
import { type SyslogOptions, resolveOptions as syslogOptions } from '../sinks/syslog/config.js';
import { Encoder as SyslogEncoder } from '../sinks/syslog/encoder.js';
import { syslogSinkType } from '../sinks/syslog/sink.js';
import { asEmit } from '../test/pipeline/helpers.js';
import type { RsyslogReceiver } from '../test/receivers/rsyslog.js';

export const BATCH = 1000;
/** The level the sinks compress at, so that the receiver's ceiling is measured on the same bodies. */
const GZIP = { level: constants.Z_BEST_SPEED };
export const TOKEN = 'bbbbbbbb-0000-4000-8000-000000000000';
/** A sink's options with the schema's defaults, as the pipeline hands them to the sink. */
function schemaOptions<T>(type: SinkType, raw: Record<string, unknown>): T {
  return resolveSettings({ sinks: [{ ...raw, type: type.type }] }, [type]).sinks[0]?.options as T;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Counter {
  count(): Promise<number>;
  stop(): Promise<void>;
  /** The receiver thread's event-loop utilisation so far (worker receivers only). */
  elu?(): EventLoopUtilization;
  /** The receiver thread's id (worker receivers on Linux), for per-thread CPU accounting. */
  tid?: number;
}

/** CPU seconds used so far by each thread of this process (Linux), by thread id. */
export function threadCpu(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; f[0] is field 3.
      out.set(Number(t), (Number(f[11]) + Number(f[12])) / 100);
    }
  } catch {
    // Not Linux: no per-thread figures.
  }
  return out;
}

export async function waitFor(c: Counter, target: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await c.count()) < target) {
    if (Date.now() > deadline) throw new Error(`timed out at ${await c.count()} of ${target}`);
    await sleep(2);
  }
}

export async function workerReceiver(kind: string): Promise<Counter & { url?: string; port?: number }> {
  const w = new Worker(new URL('./sinks-worker.js', import.meta.url), { workerData: { kind, token: TOKEN } });
  const ready = await new Promise<{ url?: string; port?: number; tid?: number }>((resolve) =>
    w.once('message', resolve),
  );
  const ask = <T>(cmd: string) =>
    new Promise<T>((resolve) => {
      w.once('message', resolve);
      w.postMessage({ cmd });
    });
  return {
    ...ready,
    count: async () => (await ask<{ count: number }>('count')).count,
    elu: () => w.performance.eventLoopUtilization(),
    stop: async () => {
      await ask('stop');
      await w.terminate();
    },
  };
}

export function rsyslogCounter(rs: RsyslogReceiver): Counter {
  const file = join(rs.dir, 'out.log');
  let offset = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  return {
    count: async () => {
      if (!existsSync(file)) return 0;
      const fd = openSync(file, 'r');
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) lines++;
      }
      closeSync(fd);
      return lines;
    },
    stop: () => rs.close(),
  };
}

/** n stamped session.command events, the same shape the pipeline produces. */
export function events(n: number): AuditEvent[] {
  const { fields, context } = asEmit('session.command');
  const out: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      Object.freeze({
        type: 'session.command',
        schema: 'https://sshtrail.dev/schemas/session.command/v1.json',
        id: randomUUID(), // the pipeline's ids are UUIDs too: same document sizes
        time: new Date().toISOString().replace('Z', '000000Z'),
        seq: i,
        server_id: 'bench',
        hostname: 'bench',
        ...context,
        ...fields,
        pid: i,
      }) as AuditEvent,
    );
  }
  return out;
}

async function postAll(
  url: string,
  bodies: Buffer[],
  path: string,
  headers: Record<string, string>,
  gzip: boolean,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const body = bodies[next++] as Buffer;
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          new URL(path, url),
          {
            method: 'POST',
            agent,
            headers: {
              ...headers,
              ...(gzip ? { 'content-encoding': 'gzip' } : {}),
              'content-length': String(body.length),
            },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }
  };
  await Promise.all([lane(), lane()]);
  agent.destroy();
}

/** Starts measuring where the CPU goes; the returned function describes it per event. */
export type Meter = () => (events: number) => string;

/**
 * Sends `evs` with no sshtrail in the way; resolves to events/s acknowledged at the receiver
 * (timed, and metered, from the first request on: bodies are prepared before).
 */
export type Raw = (
  rx: Counter & { url?: string; port?: number },
  evs: AuditEvent[],
  meter?: Meter,
) => Promise<{ rate: number; busy: string }>;

/**
 * Raw HTTP requests of BATCH events each, gzipped or not as the sink under test sends them (the
 * receiver's work differs: it inflates gzipped bodies): bodies are built first, then timed from
 * the first request until the receiver counts every event.
 */
const rawHttp =
  (
    gzip: boolean,
    path: string,
    headers: Record<string, string>,
    encode: () => (batch: AuditEvent[]) => Uint8Array,
  ): Raw =>
  async (rx, evs, meter) => {
    const encodeBatch = encode();
    const bodies: Buffer[] = [];
    for (let i = 0; i < evs.length; i += BATCH) {
      const body = Buffer.from(encodeBatch(evs.slice(i, i + BATCH)));
      bodies.push(gzip ? gzipSync(body, GZIP) : body);
    }
    const base = await rx.count();
    const m = meter?.();
    const t0 = performance.now();
    await postAll(rx.url as string, bodies, path, headers, gzip);
    await waitFor(rx, base + evs.length);
    return { rate: (evs.length / (performance.now() - t0)) * 1000, busy: m?.(evs.length) ?? '' };
  };

/** Raw `_bulk` requests of BATCH documents. */
export const rawEs = (gzip: boolean): Raw =>
  rawHttp(
    gzip,
    '/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason',
    { 'content-type': 'application/x-ndjson' },
    () => {
      const writer = new BulkWriter('default');
      return (batch) => writer.encode(batch);
    },
  );

/** Raw HEC requests of BATCH envelopes. */
export const rawHec = (gzip: boolean): Raw =>
  rawHttp(
    gzip,
    '/services/collector/event',
    { authorization: `Splunk ${TOKEN}`, 'content-type': 'application/json' },
    () => {
      const enc = new HecEncoder(
        hecOptions(
          schemaOptions<SplunkHecOptions>(splunkHecSinkType, { endpoint: 'http://x', token: TOKEN }),
        ),
      );
      return (batch) => Buffer.from(batch.map((e) => enc.envelope(e)).join(''));
    },
  );

export const rawFluentd: Raw = async (rx, evs, meter) => {
  const client = new FluentClient('sshtrail', {
    socket: { host: '127.0.0.1', port: rx.port as number, timeout: -1 },
    ack: { ackTimeout: 30_000 },
  });
  const records = evs.map((e) => JSON.parse(eventJson(e)) as Record<string, unknown>);
  const base = await rx.count();
  const m = meter?.();
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    const ps = new Set<Promise<void>>();
    for (const r of records.slice(i, i + BATCH)) ps.add(client.emit('session.command', r));
    await Promise.all(ps);
  }
  await waitFor(rx, base + evs.length);
  const rate = (evs.length / (performance.now() - t0)) * 1000;
  const busy = m?.(evs.length) ?? '';
  await client.shutdown();
  return { rate, busy };
};

export const rawSyslog =
  (rs: RsyslogReceiver): Raw =>
  async (rx, evs, meter) => {
    const enc = new SyslogEncoder(
      syslogOptions(schemaOptions<SyslogOptions>(syslogSinkType, { host: '127.0.0.1' })),
    );
    const frames = enc.frames(evs);
    const base = await rx.count();
    const m = meter?.();
    const t0 = performance.now();
    const s = net.connect(rs.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    await new Promise<void>((r) => s.end(frames, () => r()));
    await waitFor(rx, base + evs.length);
    return { rate: (evs.length / (performance.now() - t0)) * 1000, busy: m?.(evs.length) ?? '' };
  };
