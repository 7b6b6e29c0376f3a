/**
 * recording.retention: removes ended recordings past `max_age_days` (since last written) or, while
 * all of them take more than `max_total_bytes` on disk, the oldest first; a live session's is never
 * removed. Each removal is a recording.removed event. Runs once at start and every
 * `check_interval` seconds (60 by default: recordings grow only as fast as sessions write, so the
 * limit is overshot by at most a minute of output, and a sweep is one readdir and a stat per
 * recording: ~10k recordings cost a few tens of ms a minute).
 *
 * A sweep is synchronous from listing to removing: a session creates its recording and marks it
 * open (open-recordings.ts) in one turn of the event loop, so a sweep never sees a recording that
 * is live but not yet marked. Sessions of another run (lingering under session.on_end keep, or
 * noted before a crash) are known by their notes in <data dir>/sessions/.
 */
import { lstatSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { AuditEmitter } from '../events/emitter.js';
import type { Logger } from '../log.js';
import { isOpenRecording } from './open-recordings.js';

export interface RetentionLimits {
  max_age_days?: number;
  max_total_bytes?: number;
  check_interval: number;
}

export interface RetentionDeps {
  recordingsDir: string;
  /** <data dir>/sessions/: a session with a note there is live (or lingering). */
  liveNotesDir: string;
  emitter: AuditEmitter;
  log: Logger;
}

/** One session's recording: its .cast file, its .raw directory, or both. */
interface Recorded {
  id: string;
  paths: string[];
  bytes: number;
  /** Last written, ms since the epoch. */
  mtimeMs: number;
}

// A recording is its .cast and/or .raw/ and the .cast's hash chain (core/integrity): all go together.
const RECORDING_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]*?)\.(cast|raw)(\.chain)?$/;

/** Disk space taken (allocated blocks: what a full disk counts), of a file or a directory's files. */
function usage(path: string, st: Stats): { bytes: number; mtimeMs: number } {
  if (!st.isDirectory()) return { bytes: st.blocks * 512, mtimeMs: st.mtimeMs };
  let bytes = st.blocks * 512;
  let mtimeMs = st.mtimeMs;
  for (const name of readdirSync(path)) {
    const f = lstatSync(join(path, name), { throwIfNoEntry: false });
    if (!f) continue;
    bytes += f.blocks * 512;
    mtimeMs = Math.max(mtimeMs, f.mtimeMs);
  }
  return { bytes, mtimeMs };
}

function liveIds(dir: string): Set<string> {
  const ids = new Set<string>();
  try {
    for (const name of readdirSync(dir)) {
      const m = /^(.+)\.json(\.tmp)?$/.exec(name);
      if (m?.[1]) ids.add(m[1]);
    }
  } catch {
    // No notes dir: no session of another run.
  }
  return ids;
}

function listRecordings(dir: string): Recorded[] {
  const byId = new Map<string, Recorded>();
  for (const name of readdirSync(dir)) {
    const m = RECORDING_NAME.exec(name);
    if (!m?.[1]) continue;
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    const u = usage(path, st);
    const r = byId.get(m[1]) ?? { id: m[1], paths: [], bytes: 0, mtimeMs: 0 };
    r.paths.push(path);
    r.bytes += u.bytes;
    r.mtimeMs = Math.max(r.mtimeMs, u.mtimeMs);
    byId.set(m[1], r);
  }
  return [...byId.values()];
}

/** One sweep: removes what the limits say, oldest first; returns how many were removed. */
export function sweepRecordings(deps: RetentionDeps, limits: RetentionLimits, now = Date.now()): number {
  if (limits.max_age_days === undefined && limits.max_total_bytes === undefined) return 0;
  let all: Recorded[];
  try {
    all = listRecordings(deps.recordingsDir);
  } catch (err) {
    deps.log.error('retention: cannot list the recordings', { err: String(err) });
    return 0;
  }
  const live = liveIds(deps.liveNotesDir);
  const isLive = (r: Recorded) => live.has(r.id) || r.paths.some(isOpenRecording);
  all.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.id < b.id ? -1 : 1));
  let total = all.reduce((n, r) => n + r.bytes, 0);
  const maxAgeMs = limits.max_age_days !== undefined ? limits.max_age_days * 86_400_000 : undefined;
  let removed = 0;
  for (const r of all) {
    const ageMs = Math.max(0, now - r.mtimeMs);
    const reason =
      maxAgeMs !== undefined && ageMs > maxAgeMs
        ? 'age'
        : limits.max_total_bytes !== undefined && total > limits.max_total_bytes
          ? 'size'
          : undefined;
    // Oldest first: this one is young enough and all fit, so do the younger ones.
    if (!reason) break;
    if (isLive(r)) continue;
    try {
      for (const p of r.paths) rmSync(p, { recursive: true, force: true });
    } catch (err) {
      deps.log.error('retention: cannot remove a recording', { path: r.paths.join(' '), err: String(err) });
      continue;
    }
    total -= r.bytes;
    removed++;
    deps.emitter.emit('recording.removed', {
      recorded_session_id: r.id,
      path: r.paths.join(' '),
      reason,
      bytes: r.bytes,
      age_s: Math.round(ageMs) / 1000,
    });
  }
  if (limits.max_total_bytes !== undefined && total > limits.max_total_bytes)
    deps.log.warn('retention: recordings still take more than max_total_bytes (the rest are live)', {
      bytes: total,
      max_total_bytes: limits.max_total_bytes,
    });
  return removed;
}

/** Sweeps now and every `check_interval` seconds until stopped. */
export function startRetention(deps: RetentionDeps, limits: RetentionLimits): { stop(): void } {
  if (limits.max_age_days === undefined && limits.max_total_bytes === undefined) return { stop() {} };
  sweepRecordings(deps, limits);
  const timer = setInterval(() => sweepRecordings(deps, limits), limits.check_interval * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
