/**
 * Kernel records -> session.command / session.disk / session.network events, each with the
 * context of the session whose cgroup produced it and the time of its syscall. A relative open
 * path is resolved against the directory the kernel walked at the syscall (the cwd or the openat
 * dirfd); only when that walk was cut short (deeper than the kernel walks) does it fall back to
 * /proc/<pid>/cwd, while the process exists. Disk events under the excluded prefixes are dropped
 * here, counted.
 */
import { readlinkSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import type { AuditEmitter, EventTime, SessionContext } from '../core/events/emitter.js';
import { ipv4String, ipv6String, openFlagNames } from './format.js';
import {
  type BpfRecord,
  type CommandRecord,
  type DiskRecord,
  forEachRecord,
  type NetworkRecord,
  type RecordHeader,
} from './records.js';

const AT_FDCWD = -100;
const ENOENT = 2;
/** Failed execs held per process at most (a PATH has a few dozen directories, not thousands). */
const HELD_MAX = 256;

interface Held {
  /** The basename they all tried. */
  name: string;
  records: CommandRecord[];
  ctx: SessionContext;
  /** flushHeld's tick when the first was held. */
  tick: number;
}
const AF_INET = 2;

function timeOf(rec: RecordHeader): EventTime {
  return { sec: rec.sec, nsec: rec.nsec };
}

/** RFC 3339 UTC with nanoseconds, as the envelope's `time` (rare: aggregated records only). */
function rfc3339(sec: number, nsec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
}

export interface DecoderStats {
  command: number;
  /** Failed execs of a PATH search folded into the exec that followed (its path_tried). */
  command_folded: number;
  disk: number;
  /** Opens reported as repeats by aggregated session.disk events (their `count`s). */
  disk_repeats: number;
  network: number;
  /** Disk events dropped by disk_exclude_prefixes. */
  excluded: number;
  /** Records of a cgroup no longer (or not yet) mapped to a session. */
  unattributed: number;
  malformed: number;
}

export class Decoder {
  private readonly sessions = new Map<number, SessionContext>();
  /** flag_names per flags value: a handful of distinct values, asked for once per disk event. */
  private readonly flagNames = new Map<number, string[]>();
  readonly stats: DecoderStats = {
    command: 0,
    command_folded: 0,
    disk: 0,
    disk_repeats: 0,
    network: 0,
    excluded: 0,
    unattributed: 0,
    malformed: 0,
  };
  /** Failed execs (ENOENT) per pid, waiting to see whether they were a PATH search. */
  private readonly held = new Map<number, Held>();
  private tick = 0;
  /** /proc lookups cached for one batch only: a process may chdir between batches. */
  private dirCache = new Map<string, string | null>();

  constructor(
    private readonly emitter: AuditEmitter,
    private readonly excludePrefixes: readonly string[],
  ) {}

  register(cgroupId: bigint, session: SessionContext): void {
    this.sessions.set(Number(cgroupId), session);
  }

  unregister(cgroupId: bigint): void {
    this.sessions.delete(Number(cgroupId));
  }

  session(cgroupId: bigint): SessionContext | undefined {
    return this.sessions.get(Number(cgroupId));
  }

  handleBatch(batch: Buffer): void {
    this.dirCache.clear();
    this.stats.malformed += forEachRecord(batch, this.handle);
  }

  private handle = (rec: BpfRecord): void => {
    const ctx = this.sessions.get(rec.cgroupId);
    if (!ctx) {
      this.stats.unattributed++;
      return;
    }
    if (rec.kind === 'command') this.command(rec, ctx);
    else if (rec.kind === 'disk') this.disk(rec, ctx);
    else this.network(rec, ctx);
  };

  /**
   * A PATH search (sh, env, execvp) is one failed exec per directory before the one that works:
   * ENOENT failures are held per process, and when that process's next exec succeeds with the
   * same basename they become its `path_tried` instead of events of their own. Anything else
   * sends them as they were: another exec, a failure of another kind or name, the flush timer
   * (flushHeld, about every second) and session end.
   */
  private command(rec: CommandRecord, ctx: SessionContext): void {
    const held = this.held.get(rec.pid);
    if (rec.ret === -ENOENT && rec.path !== '') {
      if (held && held.name === basename(rec.path) && held.records.length < HELD_MAX) {
        held.records.push(rec);
        return;
      }
      if (held) this.sendHeld(rec.pid, held);
      this.held.set(rec.pid, { name: basename(rec.path), records: [rec], ctx, tick: this.tick });
      return;
    }
    let tried: string[] | undefined;
    if (held) {
      if (rec.ret === 0 && held.name === basename(rec.path)) {
        this.held.delete(rec.pid);
        tried = held.records.map((r) => r.path);
        this.stats.command_folded += tried.length;
      } else this.sendHeld(rec.pid, held);
    }
    this.sendCommand(rec, ctx, tried);
  }

  /** Sends the failures held longer than one tick (all with `all`, or those of one cgroup). */
  flushHeld(opts: { all?: boolean; cgroupId?: bigint } = {}): void {
    const cg = opts.cgroupId === undefined ? undefined : Number(opts.cgroupId);
    for (const [pid, h] of [...this.held]) {
      if (cg !== undefined && h.records[0]?.cgroupId !== cg) continue;
      if (opts.all || cg !== undefined || h.tick < this.tick) this.sendHeld(pid, h);
    }
    this.tick++;
  }

  private sendHeld(pid: number, h: Held): void {
    this.held.delete(pid);
    for (const r of h.records) this.sendCommand(r, h.ctx, undefined);
  }

  private sendCommand(rec: CommandRecord, ctx: SessionContext, tried: string[] | undefined): void {
    this.stats.command++;
    // exe_path only when the kernel walked the file up to the root: a cut walk is a suffix.
    const exe = rec.exe?.complete ? rec.exe : undefined;
    this.emitter.emit(
      'session.command',
      {
        pid: rec.pid,
        ppid: rec.ppid,
        program: rec.comm,
        path: rec.path,
        ...(exe ? { exe_path: exe.path, exe_deleted: exe.deleted } : {}),
        argv: rec.argv,
        argv_truncated: rec.argvTruncated,
        return_code: rec.ret,
        cgroup_id: rec.cgroupId,
        uid: rec.uid,
        gid: rec.gid,
        ...(tried ? { path_tried: tried } : {}),
      },
      ctx,
      timeOf(rec),
    );
  }

  private disk(rec: DiskRecord, ctx: SessionContext): void {
    const path =
      rec.dir?.complete && rec.path !== '' && !isAbsolute(rec.path)
        ? resolve(rec.dir.path, rec.path)
        : this.resolvePath(rec.pid, rec.dfd, rec.path);
    for (const prefix of this.excludePrefixes) {
      if (path.startsWith(prefix)) {
        this.stats.excluded++;
        return;
      }
    }
    this.stats.disk++;
    if (rec.count > 0) this.stats.disk_repeats += rec.count;
    this.emitter.emit(
      'session.disk',
      {
        pid: rec.pid,
        program: rec.comm,
        path,
        flags: rec.flags,
        flag_names: this.namesOf(rec.flags),
        return_code: rec.ret,
        cgroup_id: rec.cgroupId,
        // Repeats the kernel counted (disk.bpf.h): one event for `count` opens.
        ...(rec.count > 0 ? { count: rec.count, last_time: rfc3339(rec.lastSec, rec.lastNsec) } : {}),
      },
      ctx,
      timeOf(rec),
    );
  }

  private network(rec: NetworkRecord, ctx: SessionContext): void {
    this.stats.network++;
    const v4 = rec.family === AF_INET;
    this.emitter.emit(
      'session.network',
      {
        pid: rec.pid,
        program: rec.comm,
        src_addr: v4 ? ipv4String(rec.saddr) : ipv6String(rec.saddr),
        src_port: rec.sport,
        dst_addr: v4 ? ipv4String(rec.daddr) : ipv6String(rec.daddr),
        dst_port: rec.dport,
        ip_version: v4 ? 4 : 6,
        protocol: 'tcp',
        return_code: rec.ret,
        cgroup_id: rec.cgroupId,
      },
      ctx,
      timeOf(rec),
    );
  }

  private namesOf(flags: number): string[] {
    let names = this.flagNames.get(flags);
    if (!names) {
      names = openFlagNames(flags);
      if (this.flagNames.size < 1024) this.flagNames.set(flags, names);
    }
    return names;
  }

  /** The fallback (a directory too deep for the kernel's walk): the path as given when the
   * process (or its dirfd) is already gone. */
  private resolvePath(pid: number, dfd: number, path: string): string {
    if (path === '' || isAbsolute(path)) return path;
    const link = dfd === AT_FDCWD ? `/proc/${pid}/cwd` : `/proc/${pid}/fd/${dfd}`;
    let base = this.dirCache.get(link);
    if (base === undefined) {
      try {
        base = readlinkSync(link);
      } catch {
        base = null;
      }
      this.dirCache.set(link, base);
    }
    return base?.startsWith('/') ? resolve(base, path) : path;
  }
}
