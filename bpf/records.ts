/**
 * Decodes the addon's batches: [u32 size][record][pad to 8]..., each record laid out as in
 * bpf/events.h (little-endian, x86-64). Change both together.
 */

export interface RecordHeader {
  pid: number;
  tid: number;
  cgroupId: bigint;
  comm: string;
}

export interface CommandRecord extends RecordHeader {
  kind: 'command';
  ppid: number;
  uid: number;
  gid: number;
  ret: number;
  path: string;
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

const HDR = 40;
const COMMAND_DATA = 64;
const DISK_DATA = 56;
const NETWORK_SIZE = 88;

/** A NUL-terminated string of at most `len` bytes (the NUL, if present, not included). */
function cstr(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end >= 0 && end < start + len ? end : start + len);
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

function header(buf: Buffer, at: number): RecordHeader {
  return {
    pid: buf.readUInt32LE(at + 4),
    tid: buf.readUInt32LE(at + 8),
    cgroupId: buf.readBigUInt64LE(at + 16),
    comm: cstr(buf, at + 24, 16),
  };
}

function decodeOne(buf: Buffer, at: number, size: number): BpfRecord | undefined {
  if (size < HDR) return undefined;
  const kind = buf.readUInt32LE(at);
  if (kind === 0 && size >= COMMAND_DATA) {
    const pathLen = buf.readUInt16LE(at + 56);
    const argsLen = buf.readUInt16LE(at + 58);
    if (COMMAND_DATA + pathLen + argsLen > size) return undefined;
    return {
      kind: 'command',
      ...header(buf, at),
      ppid: buf.readUInt32LE(at + 40),
      uid: buf.readUInt32LE(at + 44),
      gid: buf.readUInt32LE(at + 48),
      ret: buf.readInt32LE(at + 52),
      argvTruncated: buf[at + 60] !== 0,
      path: cstr(buf, at + COMMAND_DATA, pathLen),
      argv: splitArgv(buf, at + COMMAND_DATA + pathLen, argsLen),
    };
  }
  if (kind === 1 && size >= DISK_DATA) {
    const pathLen = buf.readUInt16LE(at + 52);
    if (DISK_DATA + pathLen > size) return undefined;
    return {
      kind: 'disk',
      ...header(buf, at),
      ret: buf.readInt32LE(at + 40),
      dfd: buf.readInt32LE(at + 44),
      flags: buf.readUInt32LE(at + 48),
      pathTruncated: buf[at + 54] !== 0,
      path: cstr(buf, at + DISK_DATA, pathLen),
    };
  }
  if (kind === 2 && size >= NETWORK_SIZE) {
    return {
      kind: 'network',
      ...header(buf, at),
      ret: buf.readInt32LE(at + 40),
      family: buf.readUInt16LE(at + 44),
      sport: buf.readUInt16LE(at + 46),
      dport: buf.readUInt16LE(at + 48),
      saddr: buf.subarray(at + 56, at + 72),
      daddr: buf.subarray(at + 72, at + 88),
    };
  }
  return undefined;
}

/** Every record of a batch, in ring order; `malformed` counts what could not be decoded. */
export function decodeBatch(buf: Buffer): { records: BpfRecord[]; malformed: number } {
  const records: BpfRecord[] = [];
  let malformed = 0;
  let at = 0;
  while (at + 4 <= buf.length) {
    const size = buf.readUInt32LE(at);
    if (at + 4 + size > buf.length) {
      malformed++;
      break;
    }
    const rec = decodeOne(buf, at + 4, size);
    if (rec) records.push(rec);
    else malformed++;
    at += (4 + size + 7) & ~7;
  }
  return { records, malformed };
}
