/**
 * At start, closes the sessions a previous run of this instance left open (live-sessions.ts):
 * one that never got its session.end (kill -9, a crash) gets one with reason server_crash; one
 * that had ended but left processes running (session.on_end keep, then a stop or a crash) is
 * followed on. Under keep, what such a session still runs is taken back (hooks.adopt: watched and
 * attributed again) and session.linger.end comes when it exits; otherwise (on_end kill, or no
 * enhanced recording to watch it) it is killed: its cgroup, or without one its process tree.
 * Runs while this server holds the data dir's lock (core/data-dir/lock.ts), so every note there
 * is a previous run's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cgroupProcesses, isPopulated, killAll, removeTree } from '../cgroup/index.js';
import type { AuditEmitter } from '../events/emitter.js';
import type { FieldsOf } from '../events/event.js';
import type { Logger } from '../log.js';
import { endCrashedRecording } from '../recording/crashed.js';
import { procStat } from '../sys/proc-stat.js';
import { removeAgentDir } from './agent-socket.js';
import type { OnEnd, SessionHooks, SessionProcessInfo } from './hooks.js';
import { endLinger, followLinger, killedFields } from './linger.js';
import type { LiveRecord, LiveSessions } from './live-sessions.js';
import { writeUtmpLogout } from './utmp.js';

export interface RecoveryOptions {
  /** session.on_end of the configuration starting: keep takes lingering sessions back. */
  onEnd?: OnEnd;
  /** Enhanced recording's hooks: adopt watches a cgroup again (absent: killed instead). */
  hooks?: SessionHooks;
  /** Where agent sockets live (agent-socket.ts): a crashed session's is removed. */
  agentBase?: string;
}

/**
 * The session cgroups (names) the notes name: the start-up clean-up of the cgroup subtree must
 * leave them to closeCrashedSessions, which may take them back.
 */
export function notedCgroups(live: LiveSessions): string[] {
  return live.list().records.flatMap((r) => (r.cgroup_dir ? [basename(r.cgroup_dir)] : []));
}

export async function closeCrashedSessions(
  live: LiveSessions,
  emitter: AuditEmitter,
  log: Logger,
  opts: RecoveryOptions = {},
): Promise<number> {
  const { records, bad } = live.list();
  for (const b of bad) log.warn('unreadable live-session note removed', { file: b.file, error: b.error });
  await live.removeFiles(bad.map((b) => b.file));
  const deps = { emitter, live, log };
  let adopted = 0;
  for (const rec of records) {
    const ctx = rec.context;
    const slog = log.child({ session_id: ctx.session_id });
    const adopt = await tryAdopt(rec, opts, slog);
    if (adopt) adopted++;
    let killed: SessionProcessInfo[] = [];
    if (!adopt) {
      try {
        killed = await killLeftovers(rec);
      } catch (err) {
        slog.error('cannot kill what a session of the previous run left', { err: String(err) });
      }
    }
    const now = Date.now();
    if (rec.ended_at === undefined) {
      // It never got its session.end: the server went first.
      // Its agent socket died with the connection.
      if (opts.agentBase) await removeAgentDir(opts.agentBase, ctx.session_id);
      // Its utmp login (a PTY session) is owed its logout, as at a session's own end.
      if (rec.tty !== undefined && rec.pid !== undefined) await writeUtmpLogout(rec.tty, rec.pid, slog);
      const end: FieldsOf<'session.end'> = {
        reason: 'server_crash',
        duration_ms: Math.max(0, now - rec.started_at),
        bytes_in: 0,
        bytes_out: 0,
      };
      if (rec.recording) {
        try {
          endCrashedRecording(rec.recording, rec.started_at, now);
          end.recording = rec.recording;
        } catch (err) {
          slog.warn('cannot end the recording of a crashed session', { err: String(err) });
        }
      }
      if (adopt) end.lingering = adopt.lingering;
      Object.assign(end, killedFields(killed));
      emitter.emit('session.end', end, ctx);
      if (adopt) {
        const note: LiveRecord = {
          ...rec,
          ended_at: now,
          lingering: adopt.lingering,
          unwatched: true,
        };
        await live.write(note);
        followLinger(deps, note, adopt.emptied);
        continue;
      }
      emitter.endSession?.(ctx.session_id);
      await live.remove(ctx.session_id);
      continue;
    }
    // session.end was emitted; processes it left ran on while no server watched them.
    const note: LiveRecord = { ...rec, unwatched: true };
    if (adopt) {
      await live.write(note);
      followLinger(deps, note, adopt.emptied);
    } else await endLinger(deps, note, killed.length > 0 ? 'killed' : 'exited_unwatched', killed);
  }
  if (records.length > 0)
    log.warn('closed or took back sessions the previous run left open', { count: records.length, adopted });
  return records.length;
}

/** Under on_end keep with enhanced recording: the session's cgroup, still populated, watched again. */
async function tryAdopt(
  rec: LiveRecord,
  opts: RecoveryOptions,
  log: Logger,
): Promise<{ lingering: number; emptied: Promise<'emptied' | 'abandoned'> } | undefined> {
  const dir = rec.cgroup_dir;
  if (opts.onEnd !== 'keep' || !opts.hooks?.adopt || !dir) return undefined;
  try {
    if (!(await isPopulated(dir))) return undefined;
    const state = await opts.hooks.adopt(rec.context, dir);
    if (!state.emptied) return undefined;
    log.info('took back a session the previous run left running (session.on_end keep)', {
      lingering: state.lingering ?? 0,
    });
    return { lingering: state.lingering ?? 0, emptied: state.emptied };
  } catch (err) {
    log.error('cannot take back a lingering session: what it runs is killed', { err: String(err) });
    return undefined;
  }
}

/** Kills what the session left; returns what was running. */
async function killLeftovers(rec: LiveRecord): Promise<SessionProcessInfo[]> {
  if (rec.cgroup_dir) {
    const running = await cgroupProcesses(rec.cgroup_dir);
    await killAll(rec.cgroup_dir);
    await removeTree(rec.cgroup_dir);
    return running;
  }
  // No cgroup (enhanced recording off): the first process, if it is still the same one, and what
  // it started. A PTY session leads its own session id; an exec session's descendants are found
  // by parent links (those orphaned to init are beyond reach without a cgroup).
  if (rec.pid === undefined || rec.pid_start === undefined) return [];
  const first = procStat(rec.pid);
  if (!first || first.start !== rec.pid_start) return [];
  const victims = new Set<number>([rec.pid]);
  const all = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const stats = new Map(all.map((pid) => [pid, procStat(pid)]));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, st] of stats) {
      if (!st || victims.has(pid)) continue;
      if (victims.has(st.ppid) || (first.sid === rec.pid && st.sid === rec.pid)) {
        victims.add(pid);
        grew = true;
      }
    }
  }
  const killed: SessionProcessInfo[] = [];
  for (const pid of [...victims].sort((a, b) => a - b)) {
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
    } catch {}
    try {
      process.kill(pid, 'SIGKILL');
      killed.push({ pid, command });
    } catch {
      // gone
    }
  }
  return killed;
}
