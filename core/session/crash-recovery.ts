/**
 * At start, closes the sessions a crashed run of this instance left open (live-sessions.ts):
 * kills what each left running (its cgroup, or without one its process tree), ends its recording
 * and emits its one session.end with reason server_crash. Runs while this server holds the data
 * dir's lock (core/data-dir/lock.ts), so every note there is a previous run's.
 */
import { readdirSync } from 'node:fs';
import { killAll, removeTree } from '../cgroup/index.js';
import type { AuditEmitter } from '../events/emitter.js';
import type { Logger } from '../log.js';
import { endCrashedRecording } from '../recording/crashed.js';
import { removeAgentDir } from './agent-socket.js';
import type { LiveRecord, LiveSessions } from './live-sessions.js';
import { procStat } from './proc-stat.js';

export async function closeCrashedSessions(
  live: LiveSessions,
  emitter: AuditEmitter,
  log: Logger,
  /** Where agent sockets live (agent-socket.ts): a crashed session's is removed. */
  agentBase?: string,
): Promise<number> {
  const { records, bad } = live.list();
  for (const b of bad) log.warn('unreadable live-session note removed', { file: b.file, error: b.error });
  await live.removeFiles(bad.map((b) => b.file));
  for (const rec of records) {
    const ctx = rec.context;
    try {
      await killLeftovers(rec);
    } catch (err) {
      log.error('cannot kill what a crashed session left', { session_id: ctx.session_id, err: String(err) });
    }
    if (agentBase) await removeAgentDir(agentBase, ctx.session_id);
    const now = Date.now();
    const end: Record<string, unknown> = {
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
        log.warn('cannot end the recording of a crashed session', {
          session_id: ctx.session_id,
          err: String(err),
        });
      }
    }
    emitter.emit('session.end', end, ctx);
    emitter.endSession?.(ctx.session_id);
    await live.remove(ctx.session_id);
  }
  if (records.length > 0) log.warn('closed sessions a crashed server left open', { count: records.length });
  return records.length;
}

async function killLeftovers(rec: LiveRecord): Promise<void> {
  if (rec.cgroup_dir) {
    await killAll(rec.cgroup_dir);
    await removeTree(rec.cgroup_dir);
    return;
  }
  // No cgroup (enhanced recording off): the first process, if it is still the same one, and what
  // it started. A PTY session leads its own session id; an exec session's descendants are found
  // by parent links (those orphaned to init are beyond reach without a cgroup).
  if (rec.pid === undefined || rec.pid_start === undefined) return;
  const first = procStat(rec.pid);
  if (!first || first.start !== rec.pid_start) return;
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
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
