/**
 * Pipeline benchmark (one core).
 * 1. Throughput: emit → validation → file sink, ~300-byte events, against a floor measured in the
 *    same run: the same events built, JSON.stringify'd and appended in batches through a
 *    WriteStream, with no pipeline. Targets: ≥ 500k events/s and ≥ 0.5× the floor.
 * 2. Overload: a producer at 10× a slow sink's capacity; emit latency p50/p99 (target p99 < 5 µs)
 *    and peak memory (bounded by buffer.max_events).
 * One core, literally: the process re-runs itself under `taskset` on one CPU, so that the JS
 * thread, libuv's pool (the writes), the GC's helper threads and the kernel's side of the writes
 * all share it, for the floor as for the pipeline (--any-cpu to let the scheduler choose).
 *   node dist/bench/pipeline.js [--events N] [--rounds R] [--batch EVENTS] [--dir DIR] [--any-cpu]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { SessionContext } from '../core/events/emitter.js';
import { silentLogger } from '../core/log.js';
import { startPipeline } from '../core/pipeline/index.js';
import { SENT, type SinkType } from '../core/sinks/sink.js';
import { sinkTypes } from '../sinks/registry.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--events', 500_000);
const ROUNDS = arg('--rounds', 5);
// Events per batch, for both sides: the pipeline's default batch.max_events. The producer emits
// one batch's worth between turns of the event loop.
const CHUNK = arg('--batch', 1000);
// A collectable heap measure: retained memory after a full GC, not garbage waiting for one.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const log = (s: string) => process.stderr.write(`bench pipeline: ${s}\n`);
const tick = () => new Promise<void>((r) => setImmediate(r));

const context: SessionContext = {
  session_id: 's-7f3a9c',
  login: 'deploy',
  client_addr: '192.0.2.10',
  client_port: 52144,
};
function fields(i: number) {
  return {
    pid: 4000 + (i & 1023),
    program: 'cat',
    path: '/etc/passwd',
    flags: 524288,
    flag_names: ['O_RDONLY', 'O_CLOEXEC'],
    return_code: 3,
    cgroup_id: 12345,
  };
}

async function floor(dir: string): Promise<{ rate: number; bytes: number }> {
  const path = join(dir, 'floor.ndjson');
  // A 1 MiB high-water mark lets one batch be written while the next is built, as the pipeline does.
  const out = createWriteStream(path, { flags: 'a', mode: 0o600, highWaterMark: 2 ** 20 });
  const ids = Array.from(
    { length: 1024 },
    (_, i) => `0193a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`,
  );
  const start = process.hrtime.bigint();
  let seq = 0;
  for (let done = 0; done < N; done += CHUNK) {
    let batch = '';
    for (let i = 0; i < CHUNK; i++) {
      const ev = {
        type: 'session.disk',
        schema: 'https://sshtrail.dev/schemas/session.disk/v1.json',
        id: ids[i & 1023],
        time: new Date().toISOString(),
        seq: ++seq,
        server_id: 'b1',
        hostname: 'b1',
        ...context,
        ...fields(i),
      };
      batch += `${JSON.stringify(ev)}\n`;
    }
    // One write per batch, the same batch size as the pipeline's.
    if (!out.write(batch)) await new Promise<void>((r) => out.once('drain', () => r()));
    await tick();
  }
  await new Promise<void>((r) => out.end(r));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: N / secs, bytes: statSync(path).size / N };
}

async function throughput(dir: string): Promise<{ rate: number; bytes: number; dropped: number }> {
  const path = join(dir, 'pipeline.ndjson');
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'file',
          path,
          fsync: 'never',
          rotate: { max_bytes: 2 ** 40 },
          buffer: { max_events: 200_000 },
          batch: { max_events: CHUNK, timeout_ms: 50 },
        },
      ],
    },
    sinkTypes,
    dataDir: dir,
    serverId: 'b1',
    hostname: 'b1',
    logger: silentLogger,
  });
  const sink = () => p.stats().sinks[0]!;
  const start = process.hrtime.bigint();
  for (let done = 0; done < N; done += CHUNK) {
    for (let i = 0; i < CHUNK; i++) p.emit('session.disk', fields(i), context);
    // The sustainable rate: the producer stays about one batch ahead of the sink (the floor, too,
    // writes one batch while it builds the next), instead of filling the buffer and dropping.
    do await tick();
    while (sink().queued > CHUNK);
  }
  await p.close(60_000);
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const s = p.stats().sinks[0]!;
  return { rate: N / secs, bytes: statSync(path).size / N, dropped: s.dropped_total };
}

async function overload(): Promise<void> {
  // A sink that takes 10 ms per batch of at most 100 events: capacity 10k events/s.
  const slow: SinkType = {
    type: 'slow',
    description: 'bench',
    configSchema: { type: 'object' },
    create: (_o, ctx) => ({
      name: ctx.name,
      send: () => new Promise((r) => setTimeout(() => r(SENT), 10)),
      close: async () => {},
    }),
  };
  const capacity = 10_000;
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'slow',
          buffer: { max_events: 10_000 },
          batch: { max_events: 100, timeout_ms: 5 },
          max_in_flight: 1, // one 10 ms batch at a time: the sink's capacity is what the overload is measured against
        },
      ],
    },
    sinkTypes: [slow],
    dataDir: tmpdir(),
    logger: silentLogger,
  });
  const seconds = 5;
  const perMs = (10 * capacity) / 1000; // 10× capacity
  const lat = new Float64Array(seconds * 1000 * perMs);
  let n = 0;
  let peakRss = 0;
  let peakHeap = 0;
  gc();
  const baseHeap = process.memoryUsage().heapUsed;
  // The producer is paced evenly, one emit every 1/(10 × capacity) s, spinning between emits
  // and yielding to the event loop (the sink, its timers) every millisecond.
  const interval = 1000 / (10 * capacity);
  const t0 = performance.now();
  let next = t0;
  while (performance.now() - t0 < seconds * 1000 && n + perMs <= lat.length) {
    for (let i = 0; i < perMs; i++) {
      while (performance.now() < next) {}
      next += interval;
      const f = fields(n);
      // performance.now(): a double read, no BigInt allocation between the two reads.
      const a = performance.now();
      p.emit('session.disk', f, context);
      lat[n++] = (performance.now() - a) * 1e6;
    }
    if ((n & 1023) < perMs) {
      const m = process.memoryUsage();
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    }
    await tick();
    // After a stall (GC, another process), do not burst to catch up.
    if (next < performance.now() - 1) next = performance.now();
  }
  const s = p.stats().sinks[0]!;
  gc();
  const retained = process.memoryUsage().heapUsed - baseHeap;
  const sorted = lat.slice(0, n).sort();
  const q = (x: number) => sorted[Math.min(n - 1, Math.floor(x * n))]! / 1000;
  process.stdout.write(
    `overload: ${n} events offered in ${seconds}s (${Math.round(n / seconds)}/s) to a sink taking ${capacity}/s ` +
      `(it took ${Math.round(s.sent / seconds)}/s: ${(n / Math.max(1, s.sent)).toFixed(1)}x overload); emit latency p50 ${q(0.5).toFixed(2)} µs, ` +
      `p99 ${q(0.99).toFixed(2)} µs, p99.9 ${q(0.999).toFixed(2)} µs (target p99 < 5 µs)\n` +
      `overload: sent ${s.sent}, dropped ${s.dropped_total} (queue_full), queued ${s.queued}/${s.capacity}; ` +
      `retained heap with the queue full +${(retained / 2 ** 20).toFixed(1)} MiB (${(retained / s.capacity) | 0} B per queued event), ` +
      `peak heap incl. garbage +${((peakHeap - baseHeap) / 2 ** 20).toFixed(1)} MiB, peak rss ${(peakRss / 2 ** 20).toFixed(0)} MiB\n`,
  );
  await p.close(100);
}

/** The last CPU this process may run on (the first takes most of the interrupts and housekeeping). */
function lastAllowedCpu(): string {
  // "0-1", "4-7,9": the cpuset of a container need not start at 0.
  const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  const last = m?.[1]?.split(',').at(-1)?.split('-').at(-1);
  return last ?? String(availableParallelism() - 1);
}

/** Re-runs this benchmark pinned to one CPU; the exit status when it did, undefined when it cannot. */
function pinnedRun(): number | undefined {
  if (process.argv.includes('--any-cpu') || process.env.SSHTRAIL_BENCH_PINNED) return undefined;
  const cpu = lastAllowedCpu();
  const probe = spawnSync('taskset', ['-c', cpu, 'true'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    log(`cannot pin to CPU ${cpu} (${probe.error?.message ?? probe.stderr.trim()}): running on any CPU`);
    return undefined;
  }
  const r = spawnSync(
    'taskset',
    ['-c', cpu, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, SSHTRAIL_BENCH_PINNED: cpu } },
  );
  return r.status ?? 1;
}

async function main() {
  const status = pinnedRun();
  if (status !== undefined) process.exit(status);
  const pinned = process.env.SSHTRAIL_BENCH_PINNED;
  process.stdout.write(pinned === undefined ? 'on any CPU\n' : `pinned to CPU ${pinned} (one core)\n`);
  // Files go to tmpfs when there is one (--dir to choose): with several 400 MB runs back to back,
  // a disk's dirty-page throttling would decide the ratio rather than the code under test.
  const di = process.argv.indexOf('--dir');
  const base = di >= 0 ? (process.argv[di + 1] as string) : existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'sshtrail-bench-'));
  process.stdout.write(`files in ${base}\n`);
  try {
    log(`${N} events per run; warm-up`);
    await throughput(dir); // JIT warm-up of the pipeline path
    rmSync(join(dir, 'pipeline.ndjson'));
    // Floor and pipeline alternate, several rounds: on a shared machine the load drifts, and a
    // ratio is only fair between runs taken side by side. Best-of-rounds is the steadiest figure.
    const rounds: { floor: number; pipeline: number; bytes: number; dropped: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      log(`round ${r + 1}: floor`);
      const f = await floor(dir);
      rmSync(join(dir, 'floor.ndjson'));
      log(`round ${r + 1}: pipeline`);
      const t = await throughput(dir);
      rmSync(join(dir, 'pipeline.ndjson'));
      rounds.push({ floor: f.rate, pipeline: t.rate, bytes: t.bytes, dropped: t.dropped });
      process.stdout.write(
        `round ${r + 1}: floor ${Math.round(f.rate)} events/s (${f.bytes.toFixed(0)} B/event), pipeline ${Math.round(t.rate)} events/s ` +
          `(${t.bytes.toFixed(0)} B/event, dropped ${t.dropped}), ratio ${(t.rate / f.rate).toFixed(2)}x\n`,
      );
    }
    const ratios = rounds.map((r) => r.pipeline / r.floor).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)] as number;
    const best = (k: 'floor' | 'pipeline') => Math.max(...rounds.map((r) => r[k]));
    process.stdout.write(
      `throughput: pipeline (emit + validate + file sink) best ${Math.round(best('pipeline'))} events/s; floor (build + JSON.stringify + ` +
        `batched WriteStream) best ${Math.round(best('floor'))} events/s; ratio median ${median.toFixed(2)}x, ` +
        `best/best ${(best('pipeline') / best('floor')).toFixed(2)}x (targets: >= 500000 events/s and >= 0.5x)\n`,
    );
    log('overload');
    await overload();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
