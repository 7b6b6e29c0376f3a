/**
 * Reading a raw recording back (raw-streams.ts has the layout): its header, its timing lines,
 * and each stream's bytes. A torn last timing line (a crash inside a write) is skipped, and a
 * line that claims more bytes than the stream's file holds gets what there is: what is on file
 * is always an exact prefix of what the session passed.
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SshtrailError } from '../errors.js';
import { RAW_FORMAT, type RawStream } from './raw-streams.js';
import type { RecordedSession } from './recorder.js';

export interface RawHeader {
  format: string;
  version: number;
  timestamp?: number;
  streams?: RawStream[];
  sshtrail?: RecordedSession;
}

/** A run of one stream's bytes at `t` seconds, or the end record (`how`: "exit=0", ...). */
export type TimingEntry = { t: number; stream: RawStream; bytes: number } | { t: number; end: string };

const STREAMS = new Set<string>(['stdout', 'stderr', 'stdin']);

export function isRawRecording(path: string): boolean {
  return existsSync(join(path, 'timing')) && statSync(path).isDirectory();
}

/** The timing line's record, or undefined for a line that is not one (torn by a crash). */
export function parseTimingLine(line: string): TimingEntry | undefined {
  const [kind, ts, rest] = line.split(' ', 3);
  const t = Number(ts);
  if (!kind || !Number.isFinite(t) || rest === undefined) return undefined;
  if (kind === 'end') return { t, end: line.slice(kind.length + (ts?.length ?? 0) + 2) };
  const bytes = Number(rest);
  if (!STREAMS.has(kind) || !Number.isSafeInteger(bytes) || bytes < 0) return undefined;
  return { t, stream: kind as RawStream, bytes };
}

export function readRawHeader(dir: string): RawHeader {
  const fd = openSync(join(dir, 'timing'), 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n', 1)[0] ?? '';
    const h = JSON.parse(first) as RawHeader;
    if (h.format !== RAW_FORMAT) throw new Error(`format ${String(h.format)}`);
    return h;
  } catch (err) {
    throw new SshtrailError(
      'SSHTRAIL_E_NOT_FOUND',
      `${dir}: not an sshtrail raw recording (${(err as Error).message})`,
    );
  } finally {
    closeSync(fd);
  }
}

/** The timing index's records in order, the header line excepted. */
export async function* readTiming(dir: string): AsyncGenerator<TimingEntry> {
  const rl = createInterface({
    input: createReadStream(join(dir, 'timing'), { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  let first = true;
  for await (const line of rl) {
    if (first) {
      first = false;
      continue;
    }
    const e = parseTimingLine(line);
    if (e) yield e;
  }
}

/** Reads a stream's file in order, `n` bytes at a time as the timing lines ask. */
export class StreamReader {
  private readonly fd: number | undefined;
  private pos = 0;

  constructor(dir: string, stream: RawStream) {
    const path = join(dir, stream);
    this.fd = existsSync(path) ? openSync(path, 'r') : undefined;
  }

  /** Up to `n` next bytes (fewer at the end of what is on file). */
  read(n: number): Buffer {
    if (this.fd === undefined || n === 0) return Buffer.alloc(0);
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const k = readSync(this.fd, buf, got, n - got, this.pos + got);
      if (k === 0) break;
      got += k;
    }
    this.pos += got;
    return buf.subarray(0, got);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

/** Total size on disk of the recording's files. */
export function rawSize(dir: string): number {
  let n = 0;
  for (const f of ['timing', 'stdout', 'stderr', 'stdin']) {
    const p = join(dir, f);
    if (existsSync(p)) n += statSync(p).size;
  }
  return n;
}
