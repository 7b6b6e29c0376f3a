/**
 * SFTP protocol version 3 on the wire, as OpenSSH speaks it (draft-ietf-secsh-filexfer-02 plus
 * OpenSSH's extensions): the numbers, and a bounds-checked reader. sshtrail never writes SFTP: it
 * reads the packets that pass between the client and OpenSSH's own sftp-server, so everything
 * here is about reading untrusted bytes without ever throwing anything but SftpParseError.
 */

export const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

/** Open flags (SSH_FXF_*), in the order they are listed in events. */
export const OPEN_FLAGS: readonly (readonly [number, string])[] = [
  [0x01, 'read'],
  [0x02, 'write'],
  [0x04, 'append'],
  [0x08, 'create'],
  [0x10, 'truncate'],
  [0x20, 'exclusive'],
];

/** Status codes (SSH_FX_*) as the names events use. */
export const STATUS_NAMES: readonly string[] = [
  'ok',
  'eof',
  'no_such_file',
  'permission_denied',
  'failure',
  'bad_message',
  'no_connection',
  'connection_lost',
  'op_unsupported',
];

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `status_${code}`;
}

export function openFlagNames(pflags: number): string[] {
  return OPEN_FLAGS.filter(([bit]) => (pflags & bit) !== 0).map(([, name]) => name);
}

/**
 * The largest packet OpenSSH's sftp-server accepts (SFTP_MAX_MSG_LENGTH, 256 KiB). Replies can be
 * a little larger (a READ of 256 KiB plus the header), so the framer allows some slack.
 */
export const MAX_PACKET = 256 * 1024 + 1024;

export class SftpParseError extends Error {}

const ATTR_SIZE = 0x1;
const ATTR_UIDGID = 0x2;
const ATTR_PERMISSIONS = 0x4;
const ATTR_ACMODTIME = 0x8;
const ATTR_EXTENDED = 0x80000000;

export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  permissions?: number;
  atime?: number;
  mtime?: number;
}

/** Reads one packet's body; every read checks that the bytes are there. */
export class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new SftpParseError('truncated packet');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** uint64 as a number: offsets and sizes beyond 2^53 are not real files. */
  u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SftpParseError('uint64 out of range');
    return Number(v);
  }

  bytes(): Buffer {
    const n = this.u32();
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A path or name: SFTP v3 strings are bytes; OpenSSH sends them as the file system has them. */
  string(): string {
    return this.bytes().toString('utf8');
  }

  attrs(): Attrs {
    const flags = this.u32();
    const a: Attrs = {};
    if (flags & ATTR_SIZE) a.size = this.u64();
    if (flags & ATTR_UIDGID) {
      a.uid = this.u32();
      a.gid = this.u32();
    }
    if (flags & ATTR_PERMISSIONS) a.permissions = this.u32();
    if (flags & ATTR_ACMODTIME) {
      a.atime = this.u32();
      a.mtime = this.u32();
    }
    if (flags & ATTR_EXTENDED) {
      const count = this.u32();
      for (let i = 0; i < count; i++) {
        this.bytes();
        this.bytes();
      }
    }
    return a;
  }
}
