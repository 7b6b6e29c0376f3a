/**
 * Kernel records -> session.command / session.disk / session.network events, each with the
 * context of the session whose cgroup produced it. Relative paths are resolved against the
 * process's cwd (or the openat dirfd) through /proc while the process still exists; disk events
 * under the excluded prefixes are dropped here, counted.
 */
import { readlinkSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { AuditEmitter, SessionContext } from '../core/events/emitter.js';
import { ipv4String, ipv6String, openFlagNames } from './format.js';
import {
  type BpfRecord,
  type CommandRecord,
  type DiskRecord,
  forEachRecord,
  type NetworkRecord,
} from './records.js';

const AT_FDCWD = -100;
const AF_INET = 2;

export interface DecoderStats {
  command: number;
  disk: number;
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
    disk: 0,
    network: 0,
    excluded: 0,
    unattributed: 0,
    malformed: 0,
  };
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

  private command(rec: CommandRecord, ctx: SessionContext): void {
    this.stats.command++;
    this.emitter.emit(
      'session.command',
      {
        pid: rec.pid,
        ppid: rec.ppid,
        program: rec.comm,
        path: this.resolvePath(rec.pid, AT_FDCWD, rec.path),
        argv: rec.argv,
        argv_truncated: rec.argvTruncated,
        return_code: rec.ret,
        cgroup_id: rec.cgroupId,
        uid: rec.uid,
        gid: rec.gid,
      },
      ctx,
    );
  }

  private disk(rec: DiskRecord, ctx: SessionContext): void {
    const path = this.resolvePath(rec.pid, rec.dfd, rec.path);
    for (const prefix of this.excludePrefixes) {
      if (path.startsWith(prefix)) {
        this.stats.excluded++;
        return;
      }
    }
    this.stats.disk++;
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
      },
      ctx,
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

  /** Best effort: the path as given when the process (or its dirfd) is already gone. */
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
