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

export interface SessionHooks {
  /** Before the session's process is spawned: create and register the session's cgroup. */
  prepare(session: SessionContext): Promise<SessionPlacement>;
  /**
   * After the process exited and its output was drained, before session.end is emitted: drain
   * the session's in-flight kernel events, kill what is left in the cgroup, remove it.
   */
  finish(session: SessionContext): Promise<void>;
}

export const noSessionHooks: SessionHooks = {
  prepare: async () => ({}),
  finish: async () => {},
};
