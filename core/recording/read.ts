/**
 * Reading recordings back: finding one by session id or path, streaming its events, and
 * summarising it for `sshtrail recordings` from its first and last lines only.
 */
import { closeSync, createReadStream, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SshtrailError } from '../errors.js';
import { END_MARKER, recordingsDir } from './asciicast.js';
import { isRawRecording, parseTimingLine, type RawHeader, rawSize } from './raw-read.js';
import { RAW_SUFFIX } from './raw-streams.js';
import type { RecordedSession } from './recorder.js';

/** A recording's own name in the recordings dir: `<id>.cast` (PTY) or `<id>.raw/` (no PTY). */
const isRecordingName = (f: string) => f.endsWith('.cast') || f.endsWith(RAW_SUFFIX);

/**
 * The recordings among a directory's names, one per session: a PTY session's `<id>.raw/` beside
 * its `<id>.cast` (its exact output, pty-recorder.ts) is part of the .cast's.
 */
function shownRecordings(names: string[]): string[] {
  const all = new Set(names);
  return names.filter(
    (f) =>
      isRecordingName(f) && !(f.endsWith(RAW_SUFFIX) && all.has(`${f.slice(0, -RAW_SUFFIX.length)}.cast`)),
  );
}

export interface CastHeader {
  version: number;
  width: number;
  height: number;
  timestamp?: number;
  env?: Record<string, string>;
  sshtrail?: RecordedSession;
}

export type CastEvent = [number, string, string];

export function findRecording(dataDir: string, idOrPath: string): string {
  if (existsSync(idOrPath) && (statSync(idOrPath).isFile() || isRawRecording(idOrPath))) return idOrPath;
  const dir = recordingsDir(dataDir);
  const id = /^[\w-]+$/.test(idOrPath);
  for (const exact of [join(dir, `${idOrPath}.cast`), join(dir, `${idOrPath}${RAW_SUFFIX}`)])
    if (id && existsSync(exact)) return exact;
  // A unique prefix of a session id is enough, as with git.
  const matches =
    id && existsSync(dir) ? shownRecordings(readdirSync(dir)).filter((f) => f.startsWith(idOrPath)) : [];
  if (matches.length === 1) return join(dir, matches[0] as string);
  if (matches.length > 1)
    throw new SshtrailError('SSHTRAIL_E_NOT_FOUND', `'${idOrPath}' matches ${matches.length} recordings`);
  throw new SshtrailError('SSHTRAIL_E_NOT_FOUND', `no recording '${idOrPath}' (looked in ${dir})`);
}

/** Streams a recording: the header first, then each event line; a torn last line is skipped. */
export async function* readCast(path: string): AsyncGenerator<CastHeader | CastEvent> {
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let first = true;
  for await (const line of rl) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue; // cut by a crash
    }
    if (first) {
      first = false;
      const h = v as CastHeader;
      if (h?.version !== 2)
        throw new SshtrailError('SSHTRAIL_E_NOT_FOUND', `${path}: not an asciicast v2 file`);
      yield h;
    } else if (Array.isArray(v) && v.length >= 3) {
      yield v as CastEvent;
    }
  }
}

export interface RecordingSummary {
  id: string;
  login: string;
  client: string;
  start: Date | undefined;
  durationS: number;
  size: number;
  /** "exit=0", "signal=HUP", or "incomplete" (no end marker: the server stopped abruptly). */
  status: string;
  /** asciicast (a PTY session) or raw (byte-exact streams of a session without one). */
  format: 'asciicast' | 'raw';
  path: string;
}

function readEdge(path: string, size: number, fromEnd: boolean): string {
  const n = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(n);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, n, fromEnd ? size - n : 0);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8');
}

export function summarize(path: string): RecordingSummary | undefined {
  if (isRawRecording(path)) return summarizeRaw(path);
  const size = statSync(path).size;
  let header: CastHeader;
  try {
    header = JSON.parse(readEdge(path, size, false).split('\n')[0] as string) as CastHeader;
  } catch {
    return undefined;
  }
  const tail = readEdge(path, size, true).split('\n').filter(Boolean).reverse();
  let duration = 0;
  let status = 'incomplete';
  for (const line of tail) {
    try {
      const e = JSON.parse(line) as CastEvent;
      if (!Array.isArray(e)) continue;
      duration = e[0];
      if (e[1] === 'm' && e[2].startsWith(END_MARKER)) status = e[2].slice(END_MARKER.length).trim();
      break;
    } catch {}
  }
  const s = header.sshtrail ?? {};
  return {
    id: s.session_id ?? path,
    login: s.login ?? '',
    client: s.client_addr ?? '',
    start: header.timestamp ? new Date(header.timestamp * 1000) : undefined,
    durationS: duration,
    size,
    status,
    format: 'asciicast',
    path,
  };
}

/** A raw recording's summary from its timing index's first and last lines. */
function summarizeRaw(dir: string): RecordingSummary | undefined {
  const timing = join(dir, 'timing');
  const tsize = statSync(timing).size;
  let header: RawHeader;
  try {
    header = JSON.parse(readEdge(timing, tsize, false).split('\n')[0] as string) as RawHeader;
  } catch {
    return undefined;
  }
  let duration = 0;
  let status = 'incomplete';
  for (const line of readEdge(timing, tsize, true).split('\n').filter(Boolean).reverse()) {
    const e = parseTimingLine(line);
    if (!e) continue;
    duration = e.t;
    if ('end' in e) status = e.end;
    break;
  }
  const s = header.sshtrail ?? {};
  return {
    id: s.session_id ?? dir,
    login: s.login ?? '',
    client: s.client_addr ?? '',
    start: header.timestamp ? new Date(header.timestamp * 1000) : undefined,
    durationS: duration,
    size: rawSize(dir),
    status,
    format: 'raw',
    path: dir,
  };
}

export function listRecordings(dataDir: string): RecordingSummary[] {
  const dir = recordingsDir(dataDir);
  if (!existsSync(dir)) return [];
  return shownRecordings(readdirSync(dir))
    .map((f) => summarize(join(dir, f)))
    .filter((s): s is RecordingSummary => s !== undefined)
    .sort((a, b) => (a.start?.getTime() ?? 0) - (b.start?.getTime() ?? 0));
}
