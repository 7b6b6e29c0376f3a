/**
 * The baseline side of bench/sinks.ts: receivers in a worker thread (or rsyslog), counters of
 * what they acknowledged, and raw senders that reach each receiver with no sshtrail in the way
 * (pre-built, pre-compressed bodies; the Forward client alone; pre-framed syslog bytes).
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { constants, gzipSync } from 'node:zlib';
import { FluentClient } from '@fluent-org/logger';
import { type AuditEvent, eventJson } from '../core/sinks/sink.js';
import { encodeBulk } from '../sinks/elasticsearch/encoder.js';
import { resolveOptions as hecOptions } from '../sinks/splunk_hec/config.js';
import { Encoder as HecEncoder } from '../sinks/splunk_hec/encoder.js';
import { resolveOptions as syslogOptions } from '../sinks/syslog/config.js';
import { Encoder as SyslogEncoder } from '../sinks/syslog/encoder.js';
import { asEmit } from '../test/pipeline/helpers.js';
import type { RsyslogReceiver } from '../test/receivers/rsyslog.js';

export const BATCH = 1000;
/** The level the sinks compress at, so that the receiver's ceiling is measured on the same bodies. */
const GZIP = { level: constants.Z_BEST_SPEED };
export const TOKEN = 'bbbbbbbb-0000-4000-8000-000000000000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Counter {
  count(): Promise<number>;
  stop(): Promise<void>;
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
  const ready = await new Promise<{ url?: string; port?: number }>((resolve) => w.once('message', resolve));
  const ask = <T>(cmd: string) =>
    new Promise<T>((resolve) => {
      w.once('message', resolve);
      w.postMessage({ cmd });
    });
  return {
    ...ready,
    count: async () => (await ask<{ count: number }>('count')).count,
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
        id: `raw-${Date.now()}-${i}`,
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
            headers: { ...headers, 'content-encoding': 'gzip', 'content-length': String(body.length) },
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

/** Sends `evs` with no sshtrail in the way; resolves to events/s acknowledged at the receiver. */
export type Raw = (rx: Counter & { url?: string; port?: number }, evs: AuditEvent[]) => Promise<number>;

export const rawEs: Raw = async (rx, evs) => {
  const bodies: Buffer[] = [];
  for (let i = 0; i < evs.length; i += BATCH)
    bodies.push(gzipSync(encodeBulk(evs.slice(i, i + BATCH), 'default'), GZIP));
  const base = await rx.count();
  const t0 = performance.now();
  await postAll(
    rx.url as string,
    bodies,
    '/_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason',
    { 'content-type': 'application/x-ndjson' },
  );
  await waitFor(rx, base + evs.length);
  return (evs.length / (performance.now() - t0)) * 1000;
};

export const rawHec: Raw = async (rx, evs) => {
  const enc = new HecEncoder(hecOptions({ endpoint: 'http://x', token: TOKEN }));
  const bodies: Buffer[] = [];
  for (let i = 0; i < evs.length; i += BATCH)
    bodies.push(
      gzipSync(
        evs
          .slice(i, i + BATCH)
          .map((e) => enc.envelope(e))
          .join(''),
        GZIP,
      ),
    );
  const base = await rx.count();
  const t0 = performance.now();
  await postAll(rx.url as string, bodies, '/services/collector/event', {
    authorization: `Splunk ${TOKEN}`,
    'content-type': 'application/json',
  });
  await waitFor(rx, base + evs.length);
  return (evs.length / (performance.now() - t0)) * 1000;
};

export const rawFluentd: Raw = async (rx, evs) => {
  const client = new FluentClient('sshtrail', {
    socket: { host: '127.0.0.1', port: rx.port as number, timeout: -1 },
    ack: { ackTimeout: 30_000 },
  });
  const records = evs.map((e) => JSON.parse(eventJson(e)) as Record<string, unknown>);
  const base = await rx.count();
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    const ps = new Set<Promise<void>>();
    for (const r of records.slice(i, i + BATCH)) ps.add(client.emit('session.command', r));
    await Promise.all(ps);
  }
  await waitFor(rx, base + evs.length);
  const rate = (evs.length / (performance.now() - t0)) * 1000;
  await client.shutdown();
  return rate;
};

export const rawSyslog =
  (rs: RsyslogReceiver): Raw =>
  async (rx, evs) => {
    const enc = new SyslogEncoder(syslogOptions({ host: '127.0.0.1' }));
    const frames = enc.frames(evs);
    const base = await rx.count();
    const t0 = performance.now();
    const s = net.connect(rs.port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    await new Promise<void>((r) => s.end(frames, () => r()));
    await waitFor(rx, base + evs.length);
    return (evs.length / (performance.now() - t0)) * 1000;
  };
