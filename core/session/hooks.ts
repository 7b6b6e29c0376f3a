/**
 * How the session layer lets enhanced recording (cgroup + BPF) take part in a session's life,
 * without core/session knowing about BPF. The server calls these around every channel that runs
 * a process. With enhanced recording off, the no-op implementation is used.
 */
import type { SessionContext } from '../events/emitter.js';

export interface SessionPlacement {
  /** Absolute cgroup v2 directory the launcher must join before dropping privileges. */
  cgroupDir?: string;
  /** The cgroup's id (its inode number), as a decimal string; goes into session.start. */
  cgroupId?: string;
}

/** session.on_end: what becomes of a session's processes still running when it ends. */
export type OnEnd = 'keep' | 'kill';

/** A process of a session's cgroup: its pid and kernel command name. */
export interface SessionProcessInfo {
  pid: number;
  command: string;
}

/**
 * How a session's cgroup ended up. `emptied` settles with 'emptied' once the last lingering
 * process exited, its kernel events were read and the cgroup was removed; with 'abandoned' when
 * the server stopped watching first (shutdown: the processes run on, the cgroup stays, and the
 * next start takes the session back, see crash-recovery.ts).
 */
export interface SessionEndState {
  /** on_end kill: what was still running and was killed (none: empty or absent). */
  killed?: SessionProcessInfo[];
  /** on_end keep: how many processes were left running in the cgroup (0: none, it is gone). */
  lingering?: number;
  emptied?: Promise<'emptied' | 'abandoned'>;
}

export interface SessionHooks {
  /** Before the session's process is spawned: create and register the session's cgroup. */
  prepare(session: SessionContext): Promise<SessionPlacement>;
  /**
   * After the process exited and its output was drained, before session.end is emitted: drain
   * the session's in-flight kernel events; then, by `onEnd`, kill what is left and remove the
   * cgroup (the default), or leave what is left running in it, still watched, until it empties.
   */
  finish(session: SessionContext, onEnd?: OnEnd): Promise<SessionEndState>;
  /**
   * At start: take back a session whose cgroup a previous run left populated (on_end keep), so
   * that what runs there is watched and attributed again until it empties. Absent when there is
   * no enhanced recording to watch it with.
   */
  adopt?(session: SessionContext, cgroupDir: string): Promise<SessionEndState>;
}

export const noSessionHooks: SessionHooks = {
  prepare: async () => ({}),
  finish: async () => ({}),
};
