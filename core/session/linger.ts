/**
 * A session whose shell or command ended while processes it started run on (session.on_end
 * keep: `nohup cmd &`, a detached tmux, mosh-server). Its session.end has been emitted with how
 * many linger; its live-session note stays, marked ended, and its sequence numbers go on. When
 * the cgroup empties, session.linger.end closes the session for good: the note goes and the
 * pipeline forgets its counter. When the server stops first, the note stays for the next start
 * (crash-recovery.ts) to take the session back.
 */
import type { AuditEmitter, SessionContext } from '../events/emitter.js';
import type { FieldsOf } from '../events/event.js';
import type { SessionLingerEndReason } from '../events/types.generated.js';
import type { Logger } from '../log.js';
import type { SessionProcessInfo } from './hooks.js';
import type { LiveRecord, LiveSessions } from './live-sessions.js';

/** How many killed processes session.end and session.linger.end name (all are counted). */
export const KILLED_LISTED = 64;

export type LingerEndReason = SessionLingerEndReason;

export interface LingerDeps {
  emitter: AuditEmitter;
  live?: LiveSessions;
  log: Logger;
}

/** The fields listing killed processes, in session.end and session.linger.end. */
/** The fields session.end and session.linger.end share about the processes a session's end killed. */
export type KilledFields = Pick<FieldsOf<'session.end'>, 'killed' | 'killed_count'>;

export function killedFields(killed: readonly SessionProcessInfo[]): KilledFields {
  if (killed.length === 0) return {};
  return {
    killed: killed.slice(0, KILLED_LISTED).map((p) => ({ pid: p.pid, command: p.command })),
    killed_count: killed.length,
  };
}

/** The live note of a session that has emitted session.end and lingers. */
export function lingeringNote(note: LiveRecord, endedAt: number, lingering: number): LiveRecord {
  return { ...note, ended_at: endedAt, lingering };
}

/** Emits session.linger.end and forgets the session. */
export async function endLinger(
  deps: LingerDeps,
  note: LiveRecord,
  reason: LingerEndReason,
  killed: readonly SessionProcessInfo[] = [],
): Promise<void> {
  const ctx: SessionContext = note.context;
  const now = Date.now();
  const endedAt = note.ended_at ?? now;
  const fields: FieldsOf<'session.linger.end'> = {
    reason,
    processes: note.lingering ?? 0,
    duration_ms: Math.max(0, now - note.started_at),
    linger_ms: Math.max(0, now - endedAt),
    ...killedFields(killed),
  };
  if (note.unwatched) fields.unwatched = true;
  deps.emitter.emit('session.linger.end', fields, ctx);
  deps.emitter.endSession?.(ctx.session_id);
  await deps.live?.remove(ctx.session_id).catch((err: unknown) => {
    deps.log.error('cannot remove the live-session note', { session_id: ctx.session_id, err: String(err) });
  });
}

/** Follows a lingering session until its cgroup empties (or the server stops watching). */
export function followLinger(
  deps: LingerDeps,
  note: LiveRecord,
  emptied: Promise<'emptied' | 'abandoned'>,
): void {
  const log = deps.log.child({ session_id: note.context.session_id });
  emptied.then(
    (how) => {
      if (how === 'emptied') return endLinger(deps, note, 'exited');
      log.info('server stopping: processes the session left run on unwatched until the next start', {
        lingering: note.lingering ?? 0,
      });
    },
    (err: unknown) => log.error('lost track of a lingering session', { err: String(err) }),
  );
}
