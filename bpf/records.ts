/**
 * Decodes the addon's batches: [u32 size][record][pad to 8]..., each record laid out as in
 * bpf/events.h (little-endian, x86-64). The offsets come from the header itself
 * (layout.generated.ts, printed by bpf/layout/gen.c at build time); test/bpf/decode.test.ts decodes
 * records the C side wrote through the same structs.
 */
import * as L from './layout.generated.js';

/** How a path the kernel walked up from a dentry came out (WALK_* in bpf/events.h). */
export interface Walked {
  path: string;
  /** Walked up to the root: an absolute path. */
  complete: boolean;
  /** The file had been unlinked (deleted, a memfd, O_TMPFILE). */
  deleted: boolean;
}

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
    complete: (bits & L.WALK_OK) !== 0,
    deleted: (bits & L.WALK_DELETED) !== 0,
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
  lastComm = cstr(buf, at, L.TASK_COMM_LEN);
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

/** The header every record starts with (struct event_hdr); each kind's own fields are read by
 * its subclass, one class per kind so that each kind's records share one shape. */
export abstract class RecordHeader {
  pid: number;
  tid: number;
  /** The cgroup's id (inode number; below 2^53). */
  cgroupId: number;
  comm: string;
  /** When the syscall ran, wall-clock: Unix seconds and nanoseconds (the kernel's timestamp). */
  sec: number;
  nsec: number;

  constructor(buf: Buffer, at: number) {
    this.pid = buf.readUInt32LE(at + L.HDR_PID);
    this.tid = buf.readUInt32LE(at + L.HDR_TID);
    this.cgroupId = cgroupIdAt(buf, at + L.HDR_CGROUP_ID);
    this.comm = commAt(buf, at + L.HDR_COMM);
    // The addon has turned the kernel's boot-time stamp into wall-clock seconds and nanoseconds.
    this.sec = buf.readUInt32LE(at + L.HDR_KTIME + L.WALL_SEC);
    this.nsec = buf.readUInt32LE(at + L.HDR_KTIME + L.WALL_NSEC);
  }
}

/** struct command_event */
export class CommandRecord extends RecordHeader {
  readonly kind = 'command';
  ppid: number;
  uid: number;
  gid: number;
  ret: number;
  path: string;
  /** The executable the kernel ran (successful execs). */
  exe: Walked | undefined;
  argv: string[];
  argvTruncated: boolean;

  /** `pathLen`, `exeLen` and `argsLen` have been checked against the record's size. */
  constructor(buf: Buffer, at: number, pathLen: number, exeLen: number, argsLen: number) {
    super(buf, at);
    const data = at + L.COMMAND_DATA;
    this.ppid = buf.readUInt32LE(at + L.COMMAND_PPID);
    this.uid = buf.readUInt32LE(at + L.COMMAND_UID);
    this.gid = buf.readUInt32LE(at + L.COMMAND_GID);
    this.ret = buf.readInt32LE(at + L.COMMAND_RET);
    this.argvTruncated = buf[at + L.COMMAND_ARGS_TRUNCATED] !== 0;
    this.path = measured(buf, data, pathLen);
    this.exe = walked(buf, data + pathLen, exeLen, buf[at + L.COMMAND_EXE_WALK] as number);
    this.argv = splitArgv(buf, data + pathLen + exeLen, argsLen);
  }
}

/** struct disk_event */
export class DiskRecord extends RecordHeader {
  readonly kind = 'disk';
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

  /** `pathLen` and `dirLen` have been checked against the record's size. */
  constructor(buf: Buffer, at: number, pathLen: number, dirLen: number) {
    super(buf, at);
    const data = at + L.DISK_DATA;
    this.ret = buf.readInt32LE(at + L.DISK_RET);
    this.dfd = buf.readInt32LE(at + L.DISK_DFD);
    this.flags = buf.readUInt32LE(at + L.DISK_FLAGS);
    this.pathTruncated = buf[at + L.DISK_PATH_TRUNCATED] !== 0;
    this.path = measured(buf, data, pathLen);
    this.dir = walked(buf, data + pathLen, dirLen, buf[at + L.DISK_DIR_WALK] as number);
    this.count = buf.readUInt32LE(at + L.DISK_COUNT);
    this.lastSec = buf.readUInt32LE(at + L.DISK_LAST_KTIME + L.WALL_SEC);
    this.lastNsec = buf.readUInt32LE(at + L.DISK_LAST_KTIME + L.WALL_NSEC);
  }
}

/** struct network_event */
export class NetworkRecord extends RecordHeader {
  readonly kind = 'network';
  ret: number;
  family: number;
  sport: number;
  dport: number;
  saddr: Uint8Array;
  daddr: Uint8Array;

  constructor(buf: Buffer, at: number) {
    super(buf, at);
    this.ret = buf.readInt32LE(at + L.NETWORK_RET);
    this.family = buf.readUInt16LE(at + L.NETWORK_FAMILY);
    this.sport = buf.readUInt16LE(at + L.NETWORK_SPORT);
    this.dport = buf.readUInt16LE(at + L.NETWORK_DPORT);
    this.saddr = buf.subarray(at + L.NETWORK_SADDR, at + L.NETWORK_SADDR + L.NETWORK_ADDR_LEN);
    this.daddr = buf.subarray(at + L.NETWORK_DADDR, at + L.NETWORK_DADDR + L.NETWORK_ADDR_LEN);
  }
}

export type BpfRecord = CommandRecord | DiskRecord | NetworkRecord;

/** One record of `size` bytes at `at`, or undefined when it is shorter than its kind's layout or
 * its strings would run past its end. */
function decodeOne(buf: Buffer, at: number, size: number): BpfRecord | undefined {
  if (size < L.HDR_SIZE) return undefined;
  const kind = buf.readUInt32LE(at + L.HDR_KIND);
  if (kind === L.PROG_DISK && size >= L.DISK_DATA) {
    const pathLen = buf.readUInt16LE(at + L.DISK_PATH_LEN);
    const dirLen = buf.readUInt16LE(at + L.DISK_DIR_LEN);
    return L.DISK_DATA + pathLen + dirLen <= size ? new DiskRecord(buf, at, pathLen, dirLen) : undefined;
  }
  if (kind === L.PROG_COMMAND && size >= L.COMMAND_DATA) {
    const pathLen = buf.readUInt16LE(at + L.COMMAND_PATH_LEN);
    const exeLen = buf.readUInt16LE(at + L.COMMAND_EXE_LEN);
    const argsLen = buf.readUInt16LE(at + L.COMMAND_ARGS_LEN);
    return L.COMMAND_DATA + pathLen + exeLen + argsLen <= size
      ? new CommandRecord(buf, at, pathLen, exeLen, argsLen)
      : undefined;
  }
  if (kind === L.PROG_NETWORK && size >= L.NETWORK_SIZE) return new NetworkRecord(buf, at);
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
