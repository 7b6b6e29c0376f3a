/**
 * A durable note of every session that emitted session.start and has not yet emitted
 * session.end (or, lingering under session.on_end keep, session.linger.end): one small JSON file
 * per session in <data dir>/sessions/, written before session.start and removed after the last. A server killed with -9 leaves them behind; its
 * next start closes each of those sessions (crash-recovery.ts) with what the note holds: the
 * event context, when it started, its recording, its cgroup and its process.
 *
 * Files are written to a temporary name and renamed, so a crash never leaves a torn note. They
 * are not fsynced: a killed process loses nothing of what it wrote (the page cache keeps it),
 * and a host that lost power has lost the sessions' processes too.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionContext } from '../events/emitter.js';

export interface LiveRecord {
  version: 1;
  context: SessionContext;
  /** When session.start was emitted, ms since the epoch. */
  started_at: number;
  /** The server process that ran the session. */
  server_pid: number;
  recording?: string;
  cgroup_dir?: string;
  /** The session's first process, and its start time (/proc/<pid>/stat field 22), which tells a reused pid. */
  pid?: number;
  pid_start?: string;
  /** A PTY session's terminal (/dev/pts/N), whose utmp login was written: its logout is owed. */
  tty?: string;
  /**
   * session.end was emitted at this time (ms since the epoch), and `lingering` processes it left
   * run on (session.on_end keep): the note stays until session.linger.end (core/session/linger.ts).
   */
  ended_at?: number;
  lingering?: number;
  /** A server stop or crash came since session.end: what ran meanwhile was not captured. */
  unwatched?: boolean;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export function liveSessionsDir(dataDir: string): string {
  return join(dataDir, 'sessions');
}

export class LiveSessions {
  /** Per session, the last write in flight: writes of one note happen in order. */
  private readonly chains = new Map<string, Promise<void>>();

  private constructor(readonly dir: string) {}

  static open(dataDir: string): LiveSessions {
    const dir = liveSessionsDir(dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return new LiveSessions(dir);
  }

  private file(id: string): string {
    if (!ID_RE.test(id)) throw new Error(`unsafe session id: ${JSON.stringify(id)}`);
    return join(this.dir, `${id}.json`);
  }

  private queue(id: string, job: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(id) ?? Promise.resolve()).then(job, job);
    this.chains.set(id, next);
    const forget = () => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  /** Writes (or rewrites) a session's note. */
  write(rec: LiveRecord): Promise<void> {
    const file = this.file(rec.context.session_id);
    return this.queue(rec.context.session_id, async () => {
      const tmp = `${file}.tmp`;
      await writeFile(tmp, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
      await rename(tmp, file);
    });
  }

  /** The session emitted session.end: its note goes. */
  remove(id: string): Promise<void> {
    const file = this.file(id);
    return this.queue(id, async () => {
      await rm(file, { force: true });
      await rm(`${file}.tmp`, { force: true });
    });
  }

  /** Removes files list() found unreadable. */
  async removeFiles(files: string[]): Promise<void> {
    for (const f of files) await rm(f, { force: true });
  }

  /** The notes on disk; files that cannot be read or parsed are returned as errors. */
  list(): { records: LiveRecord[]; bad: { file: string; error: string }[] } {
    const records: LiveRecord[] = [];
    const bad: { file: string; error: string }[] = [];
    for (const name of readdirSync(this.dir).sort()) {
      const file = join(this.dir, name);
      if (name.endsWith('.tmp')) {
        bad.push({ file, error: 'an unfinished write' });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      try {
        const rec = JSON.parse(readFileSync(file, 'utf8')) as LiveRecord;
        const c = rec?.context;
        if (rec?.version !== 1 || typeof c?.session_id !== 'string' || `${c.session_id}.json` !== name)
          throw new Error('not a live-session note');
        records.push(rec);
      } catch (err) {
        bad.push({ file, error: (err as Error).message });
      }
    }
    return { records, bad };
  }
}
