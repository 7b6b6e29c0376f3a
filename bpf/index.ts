/**
 * Enhanced recording: each session in its own cgroup v2, the BPF programs reporting what runs in
 * it. `startEnhancedRecording` checks what the host allows, loads the programs and returns the
 * session hooks the server calls around every session's process:
 *   prepare: create the cgroup, watch its id           -> {cgroupDir, cgroupId}
 *   finish:  by session.on_end, kill what is left and remove the cgroup, drain the rings, report
 *            losses, unwatch; or leave what is left watched until the cgroup empties (then the same)
 *   adopt:   at start, watch again a cgroup a previous run left lingering, until it empties
 * Ring data is read when the kernel wakes us (the rings' epoll fd on the event loop) and on a
 * short timer while sessions exist, because the programs only wake user space once a chunk has
 * piled up (waking per record dominates the cost of a busy ring).
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CgroupManager, cgroupProcesses, removeTree, waitUntilEmpty } from '../core/cgroup/index.js';
import { instanceCgroupRoot } from '../core/cgroup/instance.js';
import { ensureCgroup2Mount } from '../core/cgroup/mount.js';
import { SshtrailError } from '../core/errors.js';
import type { AuditEmitter, SessionContext } from '../core/events/emitter.js';
import type { Logger } from '../core/log.js';
import {
  noSessionHooks,
  type OnEnd,
  type SessionEndState,
  type SessionHooks,
  type SessionPlacement,
} from '../core/session/hooks.js';
import { type EnhancedConfig, type EnhancedEventKind, enhancedDefaults } from './config-schema.js';
import { Decoder, type DecoderStats } from './decode.js';
import { LossReporter } from './loss.js';
import {
  loadAddon,
  type NativeAddon,
  type NativeHandle,
  type ProgramName,
  programMask,
  programs,
} from './native.js';
import { ensureTracefs } from './tracefs.js';

export interface EnhancedRecordingOptions {
  /** The `enhanced_recording` config section (defaults applied here). */
  config?: EnhancedConfig;
  emitter: AuditEmitter;
  logger: Logger;
  dataDir: string;
  /** How long the syscall exit programs stay attached once no session is left (tests shorten it). */
  syscallsIdleMs?: number;
  /**
   * Session cgroups (names under this instance's root) a previous run left that crash recovery
   * deals with (adopt or kill): the start-up clean-up leaves them alone.
   */
  keepCgroups?: readonly string[];
}

export interface EnhancedStats extends DecoderStats {
  /** Records the kernel could not put in a ring (ring full), per program. */
  lost: Record<ProgramName, number>;
  /** Of those, reported as audit.loss in a session's stream. */
  lost_reported: Record<string, number>;
  sessions: number;
}

export interface EnhancedRecording {
  enabled: boolean;
  /** Why it is off (enabled=false). */
  reason?: string;
  events: EnhancedEventKind[];
  hooks: SessionHooks;
  stats(): EnhancedStats | undefined;
  close(): Promise<void>;
}

/** Timer drain while sessions exist: bounds how late a quiet session's events arrive. */
const DRAIN_MS = 25;
/**
 * How long the syscall exit programs stay attached once no session is left. Detaching takes an
 * RCU grace period (~300 ms here, on a worker thread), and a session starting meanwhile waits for
 * it: back-to-back sessions keep them attached.
 */
const SYSCALLS_IDLE_MS_DEFAULT = 5000;
/** How often the per-session loss counters are turned into audit.loss events. */
const LOSS_CHECK_MS = 1000;
const BATCH_BYTES = 1 << 20;

function off(reason: string, events: EnhancedEventKind[] = []): EnhancedRecording {
  return {
    enabled: false,
    reason,
    events,
    hooks: noSessionHooks,
    stats: () => undefined,
    close: async () => {},
  };
}

/** Why enhanced recording cannot run here, or undefined when the host looks able to. */
function hostProblem(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return `it needs root (running as uid ${process.getuid()})`;
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) return 'the kernel exposes no BTF (/sys/kernel/btf/vmlinux)';
  return undefined;
}

export async function startEnhancedRecording(opts: EnhancedRecordingOptions): Promise<EnhancedRecording> {
  const config = { ...enhancedDefaults, ...opts.config };
  const events = [...new Set(config.events)];
  if (config.enabled === false) return off('disabled in the configuration', events);
  const unavailable = (reason: string, cause?: unknown): EnhancedRecording => {
    if (config.enabled === true) {
      throw new SshtrailError(
        'SSHTRAIL_E_ENHANCED_UNAVAILABLE',
        `enhanced recording is unavailable: ${reason}`,
        {
          cause,
        },
      );
    }
    return off(reason, events);
  };
  const problem = hostProblem();
  if (problem) return unavailable(problem);
  const addon = loadAddon();
  if (typeof addon === 'string') return unavailable(addon);
  // What a fresh host may lack is mounted here, before libbpf first looks for it.
  const tracefs = ensureTracefs(opts.logger);
  if (!tracefs.ok) return unavailable(tracefs.reason);

  let cgroups: CgroupManager;
  try {
    cgroups = await CgroupManager.open({
      // This instance's own subtree: another server on the host keeps its sessions.
      root: instanceCgroupRoot(config.cgroup_root, opts.dataDir),
      logger: opts.logger,
      mount: config.cgroup_mount ?? ensureCgroup2Mount(opts.logger),
      ...(opts.keepCgroups ? { keep: opts.keepCgroups } : {}),
    });
  } catch (err) {
    return unavailable(`cannot set up the session cgroups: ${(err as Error).message}`, err);
  }
  const decoder = new Decoder(opts.emitter, config.disk_exclude_prefixes);
  let handle: NativeHandle;
  // Batches land in one area the addon owns; the view is made once the handle exists (no batch
  // can arrive before this turn of the event loop ends).
  let area = Buffer.alloc(0);
  try {
    const ring = config.ring_buffer_bytes;
    const onBatch = (length: number) => decoder.handleBatch(area.subarray(0, length));
    handle = addon.open(programMask(events), ring, Math.min(ring / 4, 256 * 1024), onBatch);
    area = Buffer.from(addon.batchBuffer(handle));
  } catch (err) {
    await cgroups.removeRootIfEmpty();
    return unavailable((err as Error).message, err);
  }
  const engine = new Engine(addon, handle, area, cgroups, decoder, opts.emitter, opts.logger);
  engine.syscallsIdleMs = opts.syscallsIdleMs ?? SYSCALLS_IDLE_MS_DEFAULT;
  opts.logger.info('enhanced recording on', { events: events.join(','), cgroup_root: cgroups.rootDir });
  return {
    enabled: true,
    events,
    hooks: {
      prepare: (s) => engine.prepare(s),
      finish: (s, onEnd) => engine.finish(s, onEnd),
      adopt: (s, dir) => engine.adopt(s, dir),
    },
    stats: () => engine.stats(),
    close: () => engine.close(),
  };
}

interface Placed {
  dir: string;
  id: bigint;
  users: number;
  /** Set while the session has ended and what it left runs on (on_end keep): stops the watch. */
  lingering?: AbortController;
}

/**
 * At a session's end under on_end keep, how long to wait for the cgroup to empty before counting
 * what lingers: processes that got the hang-up (SIGHUP, or their pipes closing) are usually
 * exiting at that moment, and are not what the policy is about.
 */
const EXITING_MS = 250;

class Engine {
  private readonly placed = new Map<string, Placed>();
  private readonly loss: LossReporter;
  private drainTimer: NodeJS.Timeout | undefined;
  private lossTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  syscallsIdleMs = SYSCALLS_IDLE_MS_DEFAULT;

  constructor(
    private readonly addon: NativeAddon,
    private readonly handle: NativeHandle,
    /** The addon's batch area (see startEnhancedRecording): drains read from it too. */
    private readonly area: Buffer,
    private readonly cgroups: CgroupManager,
    private readonly decoder: Decoder,
    emitter: AuditEmitter,
    private readonly logger: Logger,
  ) {
    this.loss = new LossReporter(emitter, (id) => addon.sessionLost(handle, id));
  }

  async prepare(session: SessionContext): Promise<SessionPlacement> {
    if (this.closed) throw new SshtrailError('SSHTRAIL_E_INTERNAL', 'enhanced recording is closed');
    // Several channels of one session share its cgroup.
    const existing = this.placed.get(session.session_id);
    if (existing) {
      existing.users++;
      return { cgroupDir: existing.dir, cgroupId: existing.id.toString() };
    }
    const cg = await this.cgroups.create(session.session_id);
    try {
      this.watchCgroup(cg.id, session);
    } catch (err) {
      this.forget(cg.id);
      if (this.placed.size === 0) this.detachSyscallsSoon();
      await this.cgroups.destroy(cg.dir);
      throw err;
    }
    this.placed.set(session.session_id, { dir: cg.dir, id: cg.id, users: 1 });
    this.startTimers();
    return { cgroupDir: cg.dir, cgroupId: cg.id.toString() };
  }

  /** Watched before any process joins (or runs again, adopted), so no exec goes unseen. */
  private watchCgroup(id: bigint, session: SessionContext): void {
    this.decoder.register(id, session);
    this.loss.track(id, session);
    this.addon.watch(this.handle, id);
    // A syscall tracepoint slows every syscall of the host (bpf/README.md): attached only while
    // sessions exist, before this one's first process can run.
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.addon.syscalls(this.handle, true);
  }

  async finish(session: SessionContext, onEnd: OnEnd = 'kill'): Promise<SessionEndState> {
    const p = this.placed.get(session.session_id);
    if (!p || --p.users > 0) return {};
    if (onEnd === 'keep') {
      const stop = new AbortController();
      await Promise.race([waitUntilEmpty(p.dir, stop.signal), sleep(EXITING_MS, undefined, { ref: false })]);
      stop.abort();
      const left = (await cgroupProcesses(p.dir).catch(() => [])).length;
      if (left > 0) {
        // What ran until now is read before session.end; what follows comes after it.
        this.drainAll();
        return { lingering: left, emptied: this.linger(session.session_id, p) };
      }
    }
    this.placed.delete(session.session_id);
    let killed: SessionEndState['killed'];
    try {
      if (onEnd === 'kill') killed = await cgroupProcesses(p.dir);
      await this.cgroups.destroy(p.dir);
    } catch (err) {
      this.logger.error('cannot remove a session cgroup', {
        session_id: session.session_id,
        error: String(err),
      });
    } finally {
      // Everything the session's processes did is in the rings by now: read it all before
      // session.end, then report its losses and forget it.
      this.release(p);
    }
    return onEnd === 'kill' ? { killed: killed ?? [] } : { lingering: 0 };
  }

  /** A cgroup a previous run left populated: watched and attributed again until it empties. */
  async adopt(session: SessionContext, dir: string): Promise<SessionEndState> {
    if (this.closed) throw new SshtrailError('SSHTRAIL_E_INTERNAL', 'enhanced recording is closed');
    const cg = await this.cgroups.find(dir);
    try {
      this.watchCgroup(cg.id, session);
    } catch (err) {
      this.forget(cg.id);
      throw err;
    }
    const p: Placed = { dir: cg.dir, id: cg.id, users: 0 };
    this.placed.set(session.session_id, p);
    this.startTimers();
    const left = (await cgroupProcesses(p.dir).catch(() => [])).length;
    return { lingering: left, emptied: this.linger(session.session_id, p) };
  }

  /** Settles once the cgroup emptied and was removed, or when the server stops watching. */
  private linger(sessionId: string, p: Placed): Promise<'emptied' | 'abandoned'> {
    const stop = new AbortController();
    p.lingering = stop;
    return waitUntilEmpty(p.dir, stop.signal).then(async (how) => {
      if (how === 'aborted') return 'abandoned';
      this.placed.delete(sessionId);
      try {
        await removeTree(p.dir);
      } catch (err) {
        this.logger.error('cannot remove a session cgroup', { session_id: sessionId, error: String(err) });
      } finally {
        this.release(p);
      }
      return 'emptied';
    });
  }

  /** The cgroup is gone: read its last kernel events, report its losses, stop watching its id. */
  private release(p: Placed): void {
    // Each exiting thread sent its repeated-open counts; counts the kernel could not reach then
    // are sent now, before the rings are read for the last time.
    this.flushDisk(p.id, true);
    this.drainAll();
    // Failed execs still waiting for the exec of a PATH search: there is none to come.
    this.decoder.flushHeld({ cgroupId: p.id });
    this.loss.check(p.id);
    this.forget(p.id);
    if (this.placed.size === 0) {
      this.detachSyscallsSoon();
      this.stopTimers();
    }
  }

  stats(): EnhancedStats {
    const lost = this.closed ? [0, 0, 0] : this.addon.lost(this.handle);
    return {
      ...this.decoder.stats,
      lost: Object.fromEntries(programs.map((p, i) => [p, lost[i] ?? 0])) as Record<ProgramName, number>,
      lost_reported: { ...this.loss.reported },
      sessions: this.placed.size,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const [sessionId, p] of [...this.placed]) {
      // What a session left running (on_end keep) runs on unwatched, in its cgroup: the next
      // start takes it back (docs/design.md, "Sessions that outlive their connection").
      if (p.lingering) {
        this.drainAll();
        p.lingering.abort();
        this.placed.delete(sessionId);
        continue;
      }
      p.users = 1;
      const ctx = this.decoder.session(p.id);
      if (ctx) await this.finish(ctx, 'kill');
      else this.placed.delete(sessionId);
    }
    this.stopTimers();
    clearTimeout(this.idleTimer);
    this.closed = true;
    this.addon.close(this.handle);
    await this.cgroups.removeRootIfEmpty();
  }

  private detachSyscallsSoon(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || this.placed.size > 0) return;
      try {
        this.addon.syscalls(this.handle, false);
      } catch {
        // closed
      }
    }, this.syscallsIdleMs).unref();
  }

  private forget(id: bigint): void {
    try {
      this.addon.unwatch(this.handle, id);
    } catch {
      // closed
    }
    this.loss.untrack(id);
    this.decoder.unregister(id);
  }

  private flushDisk(id: bigint, final: boolean): void {
    try {
      this.addon.flushDisk(this.handle, id, final);
    } catch (err) {
      this.logger.error('cannot flush the repeated-open counts', { error: String(err) });
    }
  }

  /** Reads the rings until they are empty (bounded, in case a flood outpaces us). */
  private drainAll(): void {
    for (let i = 0; i < 64; i++) {
      const length = this.addon.consume(this.handle, BATCH_BYTES);
      if (length === 0) return;
      this.decoder.handleBatch(this.area.subarray(0, length));
    }
  }

  private drainTick = (): void => {
    if (this.closed) return;
    const length = this.addon.consume(this.handle, BATCH_BYTES);
    if (length === 0) return;
    this.decoder.handleBatch(this.area.subarray(0, length));
    // A full batch means more is waiting: continue after other I/O had its turn.
    if (length >= BATCH_BYTES) setImmediate(this.drainTick);
  };

  private startTimers(): void {
    if (this.drainTimer) return;
    this.drainTimer = setInterval(this.drainTick, DRAIN_MS).unref();
    // The kernel's repeated-open counts go out with the loss check: a repeat reaches the stream
    // within about a second (or at its thread's exit).
    this.lossTimer = setInterval(() => {
      if (!this.closed) this.flushDisk(0n, false);
      this.decoder.flushHeld();
      this.loss.check();
    }, LOSS_CHECK_MS).unref();
  }

  private stopTimers(): void {
    clearInterval(this.drainTimer);
    clearInterval(this.lossTimer);
    this.drainTimer = undefined;
    this.lossTimer = undefined;
  }
}
