/**
 * `node dist/bench/sinks.js`: per SIEM sink, events/s from `emit` to acknowledged delivery at a
 * local receiver, against that receiver's own ceiling measured in the same run with raw requests
 * and no sshtrail (pre-built bodies, gzipped exactly when the sink under test gzips; for Fluentd
 * the Forward client alone; for syslog pre-framed bytes on one socket). HTTP/Forward receivers
 * run in a worker thread (the second core); rsyslog is its own process. Progress lines on stderr
 * give, per run, the CPU time per event of the main thread (sshtrail, or the raw sender), of the
 * receiver thread and of all other threads (libuv's pool: gzip; V8's GC helpers, for both
 * isolates: the raw runs show the receiver's share).
 * SINKS_BENCH_EVENTS sets the events per run (100000), SINKS_BENCH_ONLY which cases run (e.g.
 * "alone,splunk"), SINKS_BENCH_IN_FLIGHT the sinks' max_in_flight (default: the pipeline's),
 * SINKS_BENCH_GZIP=1 adds the ES and HEC sinks with gzip on (their default is off).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventJson } from '../core/events/json.js';
import { silentLogger } from '../core/log.js';
import { startPipeline } from '../core/pipeline/index.js';
import type { AuditEvent, SinkType } from '../core/sinks/sink.js';
import { sinkTypes } from '../sinks/registry.js';
import { asEmit } from '../test/pipeline/helpers.js';
import { RSYSLOGD, RsyslogReceiver } from '../test/receivers/rsyslog.js';
import {
  BATCH,
  type Counter,
  events,
  type Raw,
  rawEs,
  rawFluentd,
  rawHec,
  rawSyslog,
  rsyslogCounter,
  TOKEN,
  threadCpu,
  waitFor,
  workerReceiver,
} from './sinks-raw.js';

const N = Number(process.env.SINKS_BENCH_EVENTS ?? 100_000);
const WINDOW = Number(process.env.SINKS_BENCH_WINDOW ?? 10_000);
/** The sink's max_in_flight (the pipeline's default when unset). */
const IN_FLIGHT = process.env.SINKS_BENCH_IN_FLIGHT ? Number(process.env.SINKS_BENCH_IN_FLIGHT) : undefined;
/** Comma-separated case names to run (e.g. "alone,fluentd"); all when unset. */
const ONLY = process.env.SINKS_BENCH_ONLY?.split(',');
const wanted = (name: string) => !ONLY || ONLY.some((o) => name.startsWith(o));
const progress = (m: string) => process.stderr.write(`bench sinks: ${m}\n`);

/**
 * Where the CPU went since the call, per event: the main thread (sshtrail, or the raw sender),
 * the receiver thread, and every other thread of the process (libuv's pool: gzip; V8's GC
 * helpers of both isolates); plus the main and receiver threads' event-loop utilisation (which
 * also counts time a busy thread waited for a core).
 */
export function cpuMeter(rx: Counter): (events: number) => string {
  const cpu0 = threadCpu();
  const main0 = performance.eventLoopUtilization();
  const rx0 = rx.elu?.();
  return (events) => {
    const cpu1 = threadCpu();
    let main = 0;
    let recv = 0;
    let other = 0;
    for (const [tid, s] of cpu1) {
      const d = s - (cpu0.get(tid) ?? 0);
      if (tid === process.pid) main += d;
      else if (tid === rx.tid) recv += d;
      else other += d;
    }
    const us = (s: number) => `${((s / events) * 1e6).toFixed(1)}`;
    const pct = (u: number) => `${(u * 100).toFixed(0)}%`;
    const elu = performance.eventLoopUtilization(main0).utilization;
    const relu = rx0 && rx.elu ? performance.eventLoopUtilization(rx.elu(), rx0).utilization : undefined;
    return `cpu us/event: main ${us(main)}, receiver ${rx.tid ? us(recv) : '?'}, other threads ${us(other)}; loop busy: main ${pct(elu)}${relu !== undefined ? `, receiver ${pct(relu)}` : ''}`;
  };
}

async function viaSshtrail(
  sink: Record<string, unknown>,
  rx: Counter,
  n: number,
  dataDir: string,
  types: readonly SinkType[] = sinkTypes,
): Promise<{ rate: number; dropped: number; busy: string }> {
  const pipeline = await startPipeline({
    config: {
      sinks: [
        {
          ...sink,
          name: 'bench',
          buffer: { max_events: n + BATCH },
          batch: { max_events: BATCH, max_bytes: 4 << 20, timeout_ms: 5 },
          retry: { initial_ms: 10, max_ms: 100 },
          ...(IN_FLIGHT ? { max_in_flight: IN_FLIGHT } : {}),
        },
      ],
      pipeline: { loss_report_interval_ms: 3_600_000 },
    },
    sinkTypes: types,
    dataDir,
    logger: silentLogger,
  });
  const { fields, context } = asEmit('session.command');
  const base = await rx.count();
  const busy = cpuMeter(rx);
  const t0 = performance.now();
  // Producers emit in bursts of BATCH, the event loop running between them, and keep at most
  // WINDOW events unacknowledged (a steady state rather than one 100k backlog in memory).
  let acked = 0;
  for (let i = 0; i < n; i += BATCH) {
    // Polled every millisecond, not back to back: each poll is a message the receiver thread
    // answers between requests, and the raw runs poll every 2 ms too.
    while (i - acked >= WINDOW) {
      await new Promise((r) => setTimeout(r, 1));
      acked = (await rx.count()) - base;
    }
    for (let k = i; k < Math.min(n, i + BATCH); k++)
      pipeline.emit('session.command', { ...fields, pid: k }, context);
    await new Promise((r) => setImmediate(r));
  }
  await waitFor(rx, base + n);
  const ms = performance.now() - t0;
  const load = busy(n);
  const dropped = pipeline.stats().sinks[0]?.dropped_total ?? 0;
  await pipeline.close(5000);
  return { rate: (n / ms) * 1000, dropped, busy: load };
}

async function benchOne(
  name: string,
  rx: Counter & { url?: string; port?: number },
  raw: Raw,
  sink: Record<string, unknown>,
  dataDir: string,
): Promise<string> {
  progress(`${name}: warm-up`);
  await viaSshtrail(sink, rx, Math.min(20_000, N), dataDir);
  await raw(rx, events(Math.min(20_000, N)));
  let ceiling = 0;
  let ours = 0;
  let dropped = 0;
  for (let round = 1; round <= 2; round++) {
    progress(`${name}: round ${round}: receiver ceiling (raw, no sshtrail)`);
    const c = await raw(rx, events(N), () => cpuMeter(rx));
    progress(`${name}: round ${round}: ceiling ${Math.round(c.rate)} ev/s, ${c.busy}`);
    ceiling = Math.max(ceiling, c.rate);
    progress(`${name}: round ${round}: sshtrail emit -> acknowledged at the receiver`);
    const r = await viaSshtrail(sink, rx, N, dataDir);
    progress(`${name}: round ${round}: sshtrail ${Math.round(r.rate)} ev/s, ${r.busy}`);
    ours = Math.max(ours, r.rate);
    dropped += r.dropped;
  }
  const ratio = ours / ceiling;
  const verdict =
    ours >= 100_000 || ratio >= 0.8 ? 'meets target' : 'BELOW target (>= 100k/s or >= 0.8x ceiling)';
  return `${name.padEnd(14)} sshtrail ${Math.round(ours).toLocaleString('en-US').padStart(9)} ev/s   receiver ceiling ${Math.round(ceiling).toLocaleString('en-US').padStart(9)} ev/s   ratio ${ratio.toFixed(2)}x   dropped ${dropped}   ${verdict}`;
}

/**
 * The pipeline alone with a sink that only copies each event's JSON into a buffer, as every sink
 * does: the floor every sink sits on. (Copying counts: the JSON comes as a tree of concatenated
 * parts and its first copy flattens it, which taking it without copying left out.)
 */
async function pipelineAlone(n: number, dataDir: string): Promise<number> {
  let got = 0;
  const scratch = Buffer.allocUnsafe(1 << 20);
  const nullType = {
    type: 'null',
    description: 'bench',
    configSchema: { type: 'object' },
    create: (_o: unknown, ctx: { name: string }) => ({
      name: ctx.name,
      send: async (b: readonly AuditEvent[]) => {
        let off = 0;
        for (const e of b) {
          if (off > scratch.length - 65536) off = 0;
          off += scratch.write(eventJson(e), off);
        }
        got += b.length;
        return { kind: 'batch' as const, outcome: { status: 'sent' as const } };
      },
      close: async () => {},
    }),
  };
  const counter: Counter = { count: async () => got, stop: async () => {} };
  const r = await viaSshtrail({ type: 'null' }, counter, n, dataDir, [nullType as never]);
  progress(`pipeline alone: ${Math.round(r.rate)} ev/s, ${r.busy}`);
  return r.rate;
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const load0 = loadNow();
  const dataDir = mkdtempSync(join(tmpdir(), 'sshtrail-bench-sinks-'));
  const lines: string[] = [
    `events per run: ${N}, batch ${BATCH}, max_in_flight ${IN_FLIGHT ?? 'default'}, at most ${WINDOW} unacknowledged; best of 2 rounds each`,
  ];
  const gzipToo = !!process.env.SINKS_BENCH_GZIP;
  try {
    if (wanted('alone')) {
      progress('pipeline alone (null sink)');
      const alone = Math.max(await pipelineAlone(N, dataDir), await pipelineAlone(N, dataDir));
      lines.push(
        `pipeline alone (stamp, validate, queue, serialise, copy the JSON; no sink I/O): ${Math.round(alone).toLocaleString('en-US')} ev/s`,
      );
    }
    const cases: [string, string, Raw, (rx: { url?: string; port?: number }) => Record<string, unknown>][] = [
      [
        'elasticsearch',
        'elasticsearch',
        rawEs(false),
        (rx) => ({ type: 'elasticsearch', nodes: [rx.url], manage_template: false }),
      ],
      [
        'splunk_hec',
        'splunk_hec',
        rawHec(false),
        (rx) => ({ type: 'splunk_hec', endpoint: rx.url, token: TOKEN }),
      ],
      ['fluentd', 'fluentd', rawFluentd, (rx) => ({ type: 'fluentd', host: '127.0.0.1', port: rx.port })],
    ];
    if (gzipToo) {
      cases.splice(1, 0, [
        'es, gzip',
        'elasticsearch',
        rawEs(true),
        (rx) => ({ type: 'elasticsearch', nodes: [rx.url], manage_template: false, compression: true }),
      ]);
      cases.splice(3, 0, [
        'hec, gzip',
        'splunk_hec',
        rawHec(true),
        (rx) => ({ type: 'splunk_hec', endpoint: rx.url, token: TOKEN, gzip: true }),
      ]);
    }
    for (const [name, kind, raw, sink] of cases) {
      if (!wanted(name)) continue;
      const rx = await workerReceiver(kind);
      lines.push(await benchOne(name, rx, raw, sink(rx), dataDir));
      await rx.stop();
    }
    if (!wanted('syslog')) {
      // not selected
    } else if (existsSync(RSYSLOGD)) {
      const rs = new RsyslogReceiver();
      await rs.start();
      const rx = rsyslogCounter(rs);
      lines.push(
        await benchOne(
          'syslog/rsyslog',
          rx,
          rawSyslog(rs),
          { type: 'syslog', host: '127.0.0.1', port: rs.port },
          dataDir,
        ),
      );
      await rx.stop();
    } else lines.push(`syslog: skipped (${RSYSLOGD} not installed)`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  lines.push(
    `load average: ${load0} at the start, ${loadNow()} at the end (2 cores; other processes skew every figure)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
