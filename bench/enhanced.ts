/**
 * Enhanced recording benchmark (needs root and `make -C bpf`). Tight loops from a C workload
 * (build/sshtrail-bench-workload; a shell loop would time the shell), each timed by itself:
 *   exec     20,000 fork+exec of /bin/true        events: command, network
 *   open  1,000,000 open+close of one file        events: command, network, disk
 *   connect  20,000 TCP connects to a local listener   events: command, network
 *   tar      tar -xf of this project's node_modules packed (real work)   events: command, network, disk
 * Four ways, alternating, in the same run: `off` (no BPF loaded, workload in a plain cgroup),
 * `capture` (workload in a monitored session cgroup, events decoded and counted), `file sink`
 * (the same, events through the real pipeline into the file sink, default buffer), `outside`
 * (programs loaded and another session monitored, workload in a plain cgroup). On 2 vCPUs the
 * consumer shares the machine with the workload, so its CPU shows up in the ratios.
 * Targets: on/off <= 1.10 (exec, connect), <= 1.25 (open); outside/off <= 1.02; no ring loss at
 * the default ring size for exec and connect.
 * The kernel's per-program run-time accounting (kernel.bpf_stats_enabled) reads the clock twice per
 * program run, which itself slows the loops: it is on only with --kernel-stats (then the wall-time
 * ratios include it).
 *   node dist/bench/enhanced.js [--rounds N] [--full] [--execs N] [--opens N] [--connects N] [--only NAME]
 *                               [--kernel-stats]
 */

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { EnhancedEventKind } from '../bpf/config-schema.js';
import { type EnhancedRecording, startEnhancedRecording } from '../bpf/index.js';
import { CgroupManager } from '../core/cgroup/index.js';
import type { AuditEmitter, ConnectionContext, SessionContext } from '../core/events/emitter.js';
import type { EventType, FieldsOf } from '../core/events/event.js';
import { silentLogger } from '../core/log.js';
import { buildDir } from '../core/paths.js';
import { type Pipeline, startPipeline } from '../core/pipeline/index.js';
import { sinkTypes } from '../sinks/registry.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 3);
// The issue's counts are 20,000 / 1,000,000 / 20,000 (`--full`). fork+exec costs 7-13 ms on these
// shared 2-vCPU VMs, so 20,000 execs x 3 ways x 3 rounds would take over 20 minutes: by default
// the exec loop is shorter; the ratios are per-iteration costs either way.
const FULL = process.argv.includes('--full');
const EXECS = arg('--execs', FULL ? 20_000 : 1_000);
const OPENS = arg('--opens', 1_000_000);
const CONNECTS = arg('--connects', 20_000);
const KERNEL_STATS = process.argv.includes('--kernel-stats');
const log = (s: string) => process.stderr.write(`bench enhanced: ${s}\n`);
const launcher = join(buildDir(), 'sshtrail-launch');
const workloadBin = join(buildDir(), 'sshtrail-bench-workload');

interface Workload {
  name: string;
  args: string[];
  events: EnhancedEventKind[];
  target: number;
  /** The event type each iteration produces. */
  type: string;
  /** A real program instead of the C loop (timed here, from spawn to exit). */
  command?: () => string[];
}
const workloads: Workload[] = [
  {
    name: 'exec',
    args: ['exec', String(EXECS)],
    events: ['command', 'network'],
    target: 1.1,
    type: 'session.command',
  },
  {
    name: 'open',
    args: ['open', String(OPENS), '/etc/hostname'],
    events: ['command', 'network', 'disk'],
    target: 1.25,
    type: 'session.disk',
  },
  {
    // Real work, not a loop: tar -x of this project's node_modules packed (thousands of files),
    // disk events on. Iterations: the archive's file count.
    name: 'tar',
    args: ['tar', '0'],
    events: ['command', 'network', 'disk'],
    target: 1.25,
    type: 'session.disk',
    command: () => {
      const out = mkdtempSync(join(tmpdir(), 'sshtrail-bench-tar-'));
      return ['sh', '-c', `tar -xf ${tarball()} -C ${out}; rc=$?; rm -rf ${out}; exit $rc`];
    },
  },
  {
    name: 'connect',
    args: ['connect', String(CONNECTS)],
    events: ['command', 'network'],
    target: 1.1,
    type: 'session.network',
  },
];

let packed: string | undefined;
/** node_modules packed once per run (the tar workload's archive). */
function tarball(): string {
  if (!packed) {
    packed = join(mkdtempSync(join(tmpdir(), 'sshtrail-bench-pack-')), 'node_modules.tar');
    const modules = realpathSync(join(buildDir(), '..', 'node_modules'));
    execFileSync('tar', ['-cf', packed, '-C', dirname(modules), basename(modules)]);
  }
  return packed;
}

/** Runs the workload through the launcher in `cgroupDir`; returns its own loop time in ms. */
function runWorkload(cgroupDir: string, args: string[], w?: Workload): Promise<number> {
  const argv = w?.command ? w.command() : [workloadBin, ...args];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, ['--cgroup', cgroupDir, '--', ...argv], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`workload ${args.join(' ')} exited ${code}`));
      else resolve(w?.command ? performance.now() - t0 : Number(out.trim()) / 1e6);
    });
  });
}

let seq = 0;
const ctx = (): SessionContext => ({
  session_id: `bench-${process.pid}-${seq++}`,
  login: 'bench',
  client_addr: '127.0.0.1',
  client_port: 1,
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function sinkIdle(p: Pipeline): Promise<void> {
  for (;;) {
    const s = p.stats().sinks[0];
    if (!s || s.queued === 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** run_time_ns/run_cnt of every loaded BPF program (needs kernel.bpf_stats_enabled=1). */
function progStats(): Map<number, { name: string; ns: number; runs: number }> {
  const out = new Map<number, { name: string; ns: number; runs: number }>();
  if (!KERNEL_STATS) return out;
  try {
    const list = JSON.parse(execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' })) as {
      id: number;
      name?: string;
      run_time_ns?: number;
      run_cnt?: number;
    }[];
    for (const p of list) out.set(p.id, { name: p.name ?? '', ns: p.run_time_ns ?? 0, runs: p.run_cnt ?? 0 });
  } catch {
    // no bpftool: the kernel-side figure is left out
  }
  return out;
}

/** Nanoseconds our programs (ids in `ours`) ran between two snapshots. */
function kernelNs(
  ours: Set<number>,
  a: ReturnType<typeof progStats>,
  b: ReturnType<typeof progStats>,
): number {
  let ns = 0;
  for (const id of ours) ns += (b.get(id)?.ns ?? 0) - (a.get(id)?.ns ?? 0);
  return ns;
}

/** Forwards to whichever emitter the current measurement uses. */
class SwitchEmitter implements AuditEmitter {
  counted = 0;
  /** What the events stand for: an aggregated session.disk counts its repeats (`count`). */
  opens = 0;
  target: AuditEmitter | undefined;
  emit<T extends EventType>(
    type: T,
    fields: FieldsOf<T>,
    context?: SessionContext | ConnectionContext,
  ): void {
    this.counted++;
    if (type === 'session.disk') this.opens += (fields as FieldsOf<'session.disk'>).count ?? 1;
    this.target?.emit(type, fields, context);
  }
}

interface Series {
  off: number[];
  capture: number[];
  pipeline: number[];
  outside: number[];
  rates: number[];
  /** BPF run time per iteration of the loop (ns), from the kernel's own accounting. */
  kernelNsPerIter: number[];
  /** The same, for the loop run outside any session while another is monitored. */
  kernelNsPerIterOutside: number[];
  /** This process's CPU per event (us): decoding only (capture). */
  consumerUsPerEvent: number[];
  /** The same with the pipeline and the file sink (their CPU included). */
  pipelineUsPerEvent: number[];
  ringLoss: number;
  pipelineDrops: number;
  /** Opens the file sink's events stood for, per second (counts included). */
  openRates: number[];
}

async function measure(w: Workload, plain: CgroupManager, pipeline: Pipeline, dir: string): Promise<Series> {
  const s: Series = {
    off: [],
    capture: [],
    pipeline: [],
    outside: [],
    rates: [],
    kernelNsPerIter: [],
    kernelNsPerIterOutside: [],
    consumerUsPerEvent: [],
    pipelineUsPerEvent: [],
    ringLoss: 0,
    pipelineDrops: 0,
    openRates: [],
  };
  const iterations = Number(w.args[1]);
  const inPlain = async () => {
    const cg = await plain.create(`w-${seq++}`);
    try {
      return await runWorkload(cg.dir, w.args, w);
    } finally {
      await plain.destroy(cg.dir);
    }
  };
  for (let r = 0; r < ROUNDS; r++) {
    // off: nothing loaded; the workload in a plain cgroup all the same.
    s.off.push(await inPlain());
    const emitter = new SwitchEmitter();
    const before = progStats();
    const rec: EnhancedRecording = await startEnhancedRecording({
      config: { enabled: true, events: w.events, cgroup_root: `sshtrail-bench-${process.pid}/rec` },
      emitter,
      logger: silentLogger,
      dataDir: dir,
    });
    try {
      const inSession = async () => {
        const c = ctx();
        const placed = await rec.hooks.prepare(c);
        const ms = await runWorkload(placed.cgroupDir ?? '', w.args, w);
        await rec.hooks.finish(c);
        return ms;
      };
      const ours = new Set([...progStats().keys()].filter((id) => !before.has(id)));
      // capture: in a monitored session; events decoded and counted, no pipeline.
      const k0 = progStats();
      const cpu0 = process.cpuUsage();
      const counted0 = emitter.counted;
      s.capture.push(await inSession());
      const cpu = process.cpuUsage(cpu0);
      s.consumerUsPerEvent.push((cpu.user + cpu.system) / Math.max(1, emitter.counted - counted0));
      s.kernelNsPerIter.push(kernelNs(ours, k0, progStats()) / iterations);
      // pipeline: the same, events through the pipeline into the file sink (default buffer).
      emitter.target = pipeline;
      const sink0 = pipeline.stats().sinks[0];
      const t0 = performance.now();
      const pcpu0 = process.cpuUsage();
      const pcounted0 = emitter.counted;
      const opens0 = emitter.opens;
      s.pipeline.push(await inSession());
      await sinkIdle(pipeline);
      const pcpu = process.cpuUsage(pcpu0);
      s.pipelineUsPerEvent.push((pcpu.user + pcpu.system) / Math.max(1, emitter.counted - pcounted0));
      const sink1 = pipeline.stats().sinks[0];
      const secs = (performance.now() - t0) / 1000;
      s.rates.push(((sink1?.sent ?? 0) - (sink0?.sent ?? 0)) / secs);
      s.openRates.push((emitter.opens - opens0) / secs);
      s.pipelineDrops += (sink1?.dropped_total ?? 0) - (sink0?.dropped_total ?? 0);
      emitter.target = undefined;
      s.ringLoss += Object.values(rec.stats()?.lost ?? {}).reduce((a, b) => a + b, 0);
      // outside: another session monitored (idle), the workload in a plain cgroup.
      const other = ctx();
      await rec.hooks.prepare(other);
      const o0 = progStats();
      s.outside.push(await inPlain());
      s.kernelNsPerIterOutside.push(kernelNs(ours, o0, progStats()) / iterations);
      await rec.hooks.finish(other);
    } finally {
      await rec.close();
    }
    const last = (xs: number[]) => `${xs.at(-1)?.toFixed(0)} ms`;
    log(
      `${w.name} round ${r + 1}/${ROUNDS}: off ${last(s.off)}, capture ${last(s.capture)}, into file sink ${last(s.pipeline)}, outside ${last(s.outside)}`,
    );
  }
  return s;
}

function report(w: Workload, s: Series): string {
  const base = median(s.off);
  const ratio = (xs: number[], target: number) => {
    const r = median(xs) / base;
    return `${median(xs).toFixed(0)} ms = ${r.toFixed(2)}x${r <= target ? '' : ` (over ${target})`}`;
  };
  const loss = `${s.ringLoss}${s.ringLoss === 0 ? ' (ok)' : ' (target 0)'}`;
  const kns = median(s.kernelNsPerIter);
  const knsOut = median(s.kernelNsPerIterOutside);
  const perIter = (base * 1e6) / Math.max(1, Number(w.args[1]));
  const kernel = KERNEL_STATS
    ? `in-kernel cost (BPF run time, kernel accounting): ${kns.toFixed(0)} ns per iteration = ${((perIter + kns) / perIter).toFixed(3)}x of the loop; outside a session ${knsOut.toFixed(0)} ns per iteration = ${((perIter + knsOut) / perIter).toFixed(3)}x`
    : 'in-kernel cost: not measured (--kernel-stats)';
  return [
    `${w.name}: off ${base.toFixed(0)} ms (${(perIter / 1000).toFixed(1)} us per iteration)`,
    `  ${kernel}`,
    `  consumer CPU per event: decoding ${median(s.consumerUsPerEvent).toFixed(2)} us; decoding + pipeline + file sink ${median(s.pipelineUsPerEvent).toFixed(2)} us`,
    `  capture on, events decoded: ${ratio(s.capture, w.target)}`,
    `  capture on, into the file sink: ${ratio(s.pipeline, w.target)}; ${median(s.rates).toFixed(0)} events/s end to end${w.type === 'session.disk' ? `, standing for ${median(s.openRates).toFixed(0)} opens/s (counts included)` : ''}`,
    `  outside any session, another monitored: ${ratio(s.outside, 1.02)}`,
    `  ring loss (default ring) ${loss}; pipeline drops ${s.pipelineDrops}`,
  ].join('\n  ');
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root');
  // The kernel's per-program run-time accounting, on for this run only.
  const statsFile = '/proc/sys/kernel/bpf_stats_enabled';
  if (KERNEL_STATS) {
    const statsWere = readFileSync(statsFile, 'utf8').trim();
    writeFileSync(statsFile, '1');
    process.on('exit', () => writeFileSync(statsFile, statsWere));
  }
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-bench-enh-'));
  const plain = await CgroupManager.open({ root: `sshtrail-bench-${process.pid}/plain` });
  const pipeline = await startPipeline({
    config: {
      sinks: [
        { type: 'file', path: join(dir, 'audit.ndjson'), fsync: 'never', rotate: { max_bytes: 2 ** 40 } },
      ],
      pipeline: { loss_report_interval_ms: 3_600_000 },
    },
    sinkTypes,
    dataDir: dir,
    logger: silentLogger,
  });
  const results: string[] = [];
  try {
    const only = process.argv.indexOf('--only');
    const selected = only >= 0 ? workloads.filter((w) => w.name === process.argv[only + 1]) : workloads;
    for (const w of selected) results.push(report(w, await measure(w, plain, pipeline, dir)));
  } finally {
    await pipeline.close(5000);
    await plain.removeRootIfEmpty();
    rmSync(dir, { recursive: true, force: true });
    if (packed) rmSync(dirname(packed), { recursive: true, force: true });
  }
  process.stdout.write(
    `enhanced recording, wall time of each loop, median of ${ROUNDS} rounds, load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )} at the end (${EXECS} execs, ${OPENS} opens, ${CONNECTS} connects); targets: exec/connect <= 1.10x, open <= 1.25x, outside <= 1.02x\n`,
  );
  for (const r of results) process.stdout.write(`  ${r}\n`);
}

main().catch((err) => {
  process.stderr.write(
    `bench enhanced: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
