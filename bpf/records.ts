/**
 * Decodes the addon's batches: [u32 size][record][pad to 8]..., each record laid out as in
 * bpf/events.h (little-endian, x86-64). Change both together.
 */

export interface RecordHeader {
  pid: number;
  tid: number;
  /** The cgroup's id (inode number; below 2^53). */
  cgroupId: number;
  comm: string;
  /** When the syscall ran, wall-clock: Unix seconds and nanoseconds (the kernel's timestamp). */
  sec: number;
  nsec: number;
}

/** How a path the kernel walked up from a dentry came out (WALK_* in bpf/events.h). */
export interface Walked {
  path: string;
  /** Walked up to the root: an absolute path. */
  complete: boolean;
  /** The file had been unlinked (deleted, a memfd, O_TMPFILE). */
  deleted: boolean;
}

export interface CommandRecord extends RecordHeader {
  kind: 'command';
  ppid: number;
  uid: number;
  gid: number;
  ret: number;
  path: string;
  /** The executable the kernel ran (successful execs). */
  exe: Walked | undefined;
  argv: string[];
  argvTruncated: boolean;
}

export interface DiskRecord extends RecordHeader {
  kind: 'disk';
  ret: number;
  dfd: number;
  flags: number;
  path: string;
  pathTruncated: boolean;
  /** For a relative path: the cwd (or dirfd's directory) at the syscall. */
  dir: Walked | undefined;
  /** 0: one open. Otherwise how many repeats of an open already reported this record stands
   * for, the first at sec/nsec, the last at lastSec/lastNsec. */
  count: number;
  lastSec: number;
  lastNsec: number;
}

export interface NetworkRecord extends RecordHeader {
  kind: 'network';
  ret: number;
  family: number;
  sport: number;
  dport: number;
  saddr: Uint8Array;
  daddr: Uint8Array;
}

export type BpfRecord = CommandRecord | DiskRecord | NetworkRecord;

const HDR = 48;
const COMMAND_DATA = 80;
const DISK_DATA = 80;
const NETWORK_SIZE = 96;
const WALK_OK = 1;
const WALK_DELETED = 2;

/**
 * Decoding a string costs more than comparing its bytes, and floods repeat the same few (one
 * program opening one file). A small direct-mapped cache keyed by a hash of the bytes returns the
 * string already decoded when the bytes match exactly.
 */
const CACHE_SLOTS = 512;
const cacheBytes: (Buffer | undefined)[] = new Array(CACHE_SLOTS);
const cacheStrings: string[] = new Array(CACHE_SLOTS);
const CACHE_MAX_LEN = 256;

function decodeString(buf: Buffer, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return '';
  if (len > CACHE_MAX_LEN) return buf.toString('utf8', start, end);
  let h = len;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + (buf[i] as number)) | 0;
  const slot = (h >>> 0) % CACHE_SLOTS;
  const cached = cacheBytes[slot];
  if (cached && cached.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (cached[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cacheStrings[slot] as string;
  }
  const str = buf.toString('utf8', start, end);
  cacheBytes[slot] = Buffer.from(buf.subarray(start, end));
  cacheStrings[slot] = str;
  return str;
}

/** A NUL-terminated string of at most `len` bytes (the NUL, if present, not included). */
function cstr(buf: Buffer, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && buf[end] !== 0) end++;
  return decodeString(buf, start, end);
}

/** A string the kernel measured: `len` counts its NUL (when not cut). */
function measured(buf: Buffer, start: number, len: number): string {
  if (len === 0) return '';
  return decodeString(buf, start, buf[start + len - 1] === 0 ? start + len - 1 : start + len);
}

function walked(buf: Buffer, start: number, len: number, bits: number): Walked | undefined {
  if (len === 0) return undefined;
  return {
    path: measured(buf, start, len),
    complete: (bits & WALK_OK) !== 0,
    deleted: (bits & WALK_DELETED) !== 0,
  };
}

/** argv as the kernel lays it out: NUL-separated, the last one NUL-terminated unless cut. */
export function splitArgv(buf: Buffer, start: number, len: number): string[] {
  const out: string[] = [];
  let at = start;
  const end = start + len;
  while (at < end) {
    const nul = buf.indexOf(0, at);
    const stop = nul >= 0 && nul < end ? nul : end;
    out.push(buf.toString('utf8', at, stop));
    at = stop + 1;
  }
  return out;
}

/**
 * comm is 16 bytes at a fixed place, and a flood comes from one program: compared as four words
 * against the last one seen, it is decoded only when it changes.
 */
let lastComm = '';
let comm0 = 0;
let comm1 = 0;
let comm2 = 0;
let comm3 = 0;
let commKnown = false;

function commAt(buf: Buffer, at: number): string {
  const w0 = buf.readInt32LE(at);
  const w1 = buf.readInt32LE(at + 4);
  const w2 = buf.readInt32LE(at + 8);
  const w3 = buf.readInt32LE(at + 12);
  if (commKnown && w0 === comm0 && w1 === comm1 && w2 === comm2 && w3 === comm3) return lastComm;
  lastComm = cstr(buf, at, 16);
  comm0 = w0;
  comm1 = w1;
  comm2 = w2;
  comm3 = w3;
  commKnown = true;
  return lastComm;
}

/** Cgroup ids are inode numbers: far below 2^53, so a Number (no BigInt per record). */
function cgroupIdAt(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x100000000;
}

function decodeOne(buf: Buffer, at: number, size: number): BpfRecord | undefined {
  if (size < HDR) return undefined;
  const kind = buf.readUInt32LE(at);
  const pid = buf.readUInt32LE(at + 4);
  const tid = buf.readUInt32LE(at + 8);
  const cgroupId = cgroupIdAt(buf, at + 16);
  // The addon has turned the kernel's boot-time stamp into wall-clock seconds and nanoseconds.
  const sec = buf.readUInt32LE(at + 24);
  const nsec = buf.readUInt32LE(at + 28);
  const comm = commAt(buf, at + 32);
  if (kind === 1 && size >= DISK_DATA) {
    const pathLen = buf.readUInt16LE(at + 60);
    const dirLen = buf.readUInt16LE(at + 62);
    if (DISK_DATA + pathLen + dirLen > size) return undefined;
    return {
      kind: 'disk',
      pid,
      tid,
      cgroupId,
      comm,
      sec,
      nsec,
      ret: buf.readInt32LE(at + 48),
      dfd: buf.readInt32LE(at + 52),
      flags: buf.readUInt32LE(at + 56),
      pathTruncated: buf[at + 64] !== 0,
      path: measured(buf, at + DISK_DATA, pathLen),
      dir: walked(buf, at + DISK_DATA + pathLen, dirLen, buf[at + 65] as number),
      count: buf.readUInt32LE(at + 68),
      lastSec: buf.readUInt32LE(at + 72),
      lastNsec: buf.readUInt32LE(at + 76),
    };
  }
  if (kind === 0 && size >= COMMAND_DATA) {
    const pathLen = buf.readUInt16LE(at + 64);
    const exeLen = buf.readUInt16LE(at + 66);
    const argsLen = buf.readUInt16LE(at + 68);
    if (COMMAND_DATA + pathLen + exeLen + argsLen > size) return undefined;
    return {
      kind: 'command',
      pid,
      tid,
      cgroupId,
      comm,
      sec,
      nsec,
      ppid: buf.readUInt32LE(at + 48),
      uid: buf.readUInt32LE(at + 52),
      gid: buf.readUInt32LE(at + 56),
      ret: buf.readInt32LE(at + 60),
      argvTruncated: buf[at + 70] !== 0,
      path: measured(buf, at + COMMAND_DATA, pathLen),
      exe: walked(buf, at + COMMAND_DATA + pathLen, exeLen, buf[at + 72] as number),
      argv: splitArgv(buf, at + COMMAND_DATA + pathLen + exeLen, argsLen),
    };
  }
  if (kind === 2 && size >= NETWORK_SIZE) {
    return {
      kind: 'network',
      pid,
      tid,
      cgroupId,
      comm,
      sec,
      nsec,
      ret: buf.readInt32LE(at + 48),
      family: buf.readUInt16LE(at + 52),
      sport: buf.readUInt16LE(at + 54),
      dport: buf.readUInt16LE(at + 56),
      saddr: buf.subarray(at + 64, at + 80),
      daddr: buf.subarray(at + 80, at + 96),
    };
  }
  return undefined;
}

/** Every record of a batch, in ring order; `malformed` counts what could not be decoded. */
export function decodeBatch(buf: Buffer): { records: BpfRecord[]; malformed: number } {
  const records: BpfRecord[] = [];
  const malformed = forEachRecord(buf, (r) => records.push(r));
  return { records, malformed };
}

/** Calls `fn` for each record of a batch, in ring order; returns how many were malformed. */
export function forEachRecord(buf: Buffer, fn: (rec: BpfRecord) => void): number {
  let malformed = 0;
  let at = 0;
  while (at + 4 <= buf.length) {
    const size = buf.readUInt32LE(at);
    if (at + 4 + size > buf.length) {
      malformed++;
      break;
    }
    const rec = decodeOne(buf, at + 4, size);
    if (rec) fn(rec);
    else malformed++;
    at += (4 + size + 7) & ~7;
  }
  return malformed;
}
