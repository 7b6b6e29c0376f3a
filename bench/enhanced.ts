/**
 * Enhanced recording benchmark (needs root and `make -C bpf`). Tight loops from a C workload
 * (build/sshtrail-bench-workload; a shell loop would time the shell), each timed by itself:
 *   exec     20,000 fork+exec of /bin/true        events: command, network
 *   open  1,000,000 open+close of one file        events: command, network, disk
 *   connect  20,000 TCP connects to a local listener   events: command, network
 * Three ways, alternating, in the same run: `off` (no BPF loaded, workload in a plain cgroup),
 * `on` (workload in a monitored session cgroup, events through the pipeline into the file sink),
 * `outside` (programs loaded and another session monitored, workload in a plain cgroup).
 * Targets: on/off <= 1.10 (exec, connect), <= 1.25 (open); outside/off <= 1.02; no ring loss at
 * the default ring size for exec and connect.
 *   node dist/bench/enhanced.js [--rounds N] [--scale F]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EnhancedRecording, startEnhancedRecording } from '../bpf/index.js';
import { CgroupManager } from '../core/cgroup/index.js';
import type { EnhancedEventKind } from '../core/enhanced/config-schema.js';
import type { SessionContext } from '../core/events/emitter.js';
import { silentLogger } from '../core/log.js';
import { buildDir } from '../core/paths.js';
import { type Pipeline, startPipeline } from '../core/pipeline/index.js';
import { sinkTypes } from '../sinks/registry.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 3);
const SCALE = arg('--scale', 1);
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
}
const workloads: Workload[] = [
  {
    name: 'exec',
    args: ['exec', String(20_000 * SCALE)],
    events: ['command', 'network'],
    target: 1.1,
    type: 'session.command',
  },
  {
    name: 'open',
    args: ['open', String(1_000_000 * SCALE), '/etc/hostname'],
    events: ['command', 'network', 'disk'],
    target: 1.25,
    type: 'session.disk',
  },
  {
    name: 'connect',
    args: ['connect', String(20_000 * SCALE)],
    events: ['command', 'network'],
    target: 1.1,
    type: 'session.network',
  },
];

/** Runs the workload through the launcher in `cgroupDir`; returns its own loop time in ms. */
function runWorkload(cgroupDir: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, ['--cgroup', cgroupDir, '--', workloadBin, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`workload ${args.join(' ')} exited ${code}`));
      else resolve(Number(out.trim()) / 1e6);
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

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root');
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-bench-enh-'));
  const plain = await CgroupManager.open({ root: `sshtrail-bench-${process.pid}/plain` });
  const pipeline = await startPipeline({
    config: {
      sinks: [
        {
          type: 'file',
          path: join(dir, 'audit.ndjson'),
          fsync: 'never',
          rotate: { max_bytes: 2 ** 40 },
          buffer: { max_events: 1_200_000 },
          batch: { max_events: 5000, timeout_ms: 50 },
        },
      ],
      pipeline: { loss_report_interval_ms: 3_600_000 },
    },
    sinkTypes,
    dataDir: dir,
    logger: silentLogger,
  });
  const results: string[] = [];
  try {
    for (const w of workloads) {
      const off: number[] = [];
      const on: number[] = [];
      const outside: number[] = [];
      let lost = 0;
      let rates: number[] = [];
      let delivered = 0;
      for (let r = 0; r < ROUNDS; r++) {
        // off: nothing loaded, the same kind of placement (a plain cgroup).
        const pc = await plain.create(`off-${seq++}`);
        off.push(await runWorkload(pc.dir, w.args));
        await plain.destroy(pc.dir);

        const rec: EnhancedRecording = await startEnhancedRecording({
          config: { enabled: true, events: w.events, cgroup_root: `sshtrail-bench-${process.pid}/rec` },
          emitter: pipeline,
          logger: silentLogger,
          dataDir: dir,
        });
        try {
          // on: in a monitored session, events through the pipeline into the file sink.
          const s = ctx();
          const placed = await rec.hooks.prepare(s);
          const sentBefore = pipeline.stats().sinks[0]?.sent ?? 0;
          const t0 = performance.now();
          on.push(await runWorkload(placed.cgroupDir ?? '', w.args));
          await rec.hooks.finish(s);
          await sinkIdle(pipeline);
          const elapsed = (performance.now() - t0) / 1000;
          const sent = (pipeline.stats().sinks[0]?.sent ?? 0) - sentBefore;
          delivered = sent;
          rates.push(sent / elapsed);
          lost += Object.values(rec.stats()?.lost ?? {}).reduce((a, b) => a + b, 0);

          // outside: another session monitored (idle), the workload in a plain cgroup.
          const other = ctx();
          await rec.hooks.prepare(other);
          const oc = await plain.create(`out-${seq++}`);
          outside.push(await runWorkload(oc.dir, w.args));
          await plain.destroy(oc.dir);
          await rec.hooks.finish(other);
        } finally {
          await rec.close();
        }
        log(
          `${w.name} round ${r + 1}/${ROUNDS}: off ${off.at(-1)?.toFixed(0)} ms, on ${on.at(-1)?.toFixed(0)} ms, outside ${outside.at(-1)?.toFixed(0)} ms`,
        );
      }
      const ratioOn = median(on) / median(off);
      const ratioOut = median(outside) / median(off);
      rates = rates.sort((a, b) => a - b);
      const dropped = pipeline.stats().sinks[0]?.dropped_total ?? 0;
      results.push(
        `${w.name.padEnd(8)} off ${median(off).toFixed(0).padStart(6)} ms | on ${median(on).toFixed(0).padStart(6)} ms = ${ratioOn.toFixed(3)}x (target <= ${w.target}) ${ratioOn <= w.target ? 'ok' : 'MISSED'}` +
          ` | outside ${median(outside).toFixed(0).padStart(6)} ms = ${ratioOut.toFixed(3)}x (target <= 1.02) ${ratioOut <= 1.02 ? 'ok' : 'MISSED'}` +
          ` | ${median(rates).toFixed(0)} events/s end to end into the file sink (${delivered} in the last run)` +
          ` | ring loss ${lost}${w.name !== 'open' ? (lost === 0 ? ' ok' : ' MISSED') : ''} | pipeline drops so far ${dropped}`,
      );
    }
  } finally {
    await pipeline.close(5000);
    await plain.removeRootIfEmpty();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`enhanced recording overhead (median of ${ROUNDS} rounds, wall time of each loop):\n`);
  for (const r of results) process.stdout.write(`  ${r}\n`);
}

main().catch((err) => {
  process.stderr.write(
    `bench enhanced: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
