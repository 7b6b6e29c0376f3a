/**
 * Follows one SFTP conversation from both directions and reports what it did to files: one
 * record per file handle when it is closed (or when the stream ends with it open), one per
 * namespace change once its reply arrives. Requests are matched to replies by id; nothing is kept
 * per byte, only per request and per handle, both bounded.
 *
 * sha256 is of the bytes transferred through the handle, when they formed one run from offset 0
 * in order (how sftp, scp and rsync-over-sftp copy a file); it is left out otherwise (random
 * access, a failed write, a server-side copy), and `sequential` says so.
 */
import { createHash, type Hash } from 'node:crypto';
import { PacketFramer } from './framer.js';
import { type Attrs, FXP, openFlagNames, Reader, SftpParseError, statusName } from './wire.js';

export type NamespaceAction = 'remove' | 'rename' | 'mkdir' | 'rmdir' | 'setstat' | 'symlink' | 'hardlink';

export interface FileRecord {
  action: 'file';
  path: string;
  flags: string[];
  bytes_read: number;
  bytes_written: number;
  sequential: boolean;
  sha256?: string;
  /** The open's result if it failed, else the close's; `not_closed` when the stream ended first. */
  result: string;
}

export interface NamespaceRecord {
  action: NamespaceAction;
  path: string;
  /** rename and hardlink: the new name; symlink: what the link points to. */
  target?: string;
  /** setstat: the attributes set. */
  attrs?: Attrs;
  result: string;
}

export type SftpRecord = FileRecord | NamespaceRecord;

export interface TrackerStats {
  packets: number;
  /** Requests not followed because too many were outstanding. */
  untracked: number;
  /** Why parsing stopped, when it did (the stream itself goes on). */
  stopped?: string;
}

/** Outstanding requests and open handles a conversation may have before we stop following more. */
const MAX_PENDING = 4096;
const MAX_HANDLES = 1024;

interface Handle {
  path: string;
  flags: string[];
  dir: boolean;
  read: number;
  written: number;
  readNext: number;
  writeNext: number;
  readHash: Hash;
  writeHash: Hash;
  sequential: boolean;
}

type Pending =
  | { kind: 'open'; path: string; flags: string[]; dir: boolean }
  | { kind: 'close'; handle: string }
  | { kind: 'read'; handle: string; offset: number }
  | { kind: 'write'; handle: string; length: number }
  | { kind: 'ns'; action: NamespaceAction; path: string; target?: string; attrs?: Attrs };

export class SftpTracker {
  readonly stats: TrackerStats = { packets: 0, untracked: 0 };
  private readonly pending = new Map<number, Pending>();
  private readonly handles = new Map<string, Handle>();
  private readonly fromClient: PacketFramer;
  private readonly fromServer: PacketFramer;
  private ended = false;

  constructor(private readonly emit: (r: SftpRecord) => void) {
    const broken = (side: string) => (reason: string) => this.stop(`${side}: ${reason}`);
    this.fromClient = new PacketFramer((p) => this.safely(p, this.request), broken('client'));
    this.fromServer = new PacketFramer((p) => this.safely(p, this.reply), broken('server'));
  }

  /** Bytes the client sent towards sftp-server. */
  client(chunk: Buffer): void {
    this.fromClient.push(chunk);
  }

  /** Bytes sftp-server sent towards the client. */
  server(chunk: Buffer): void {
    this.fromServer.push(chunk);
  }

  /** The conversation is over: handles still open are reported as not closed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const [key, h] of this.handles) {
      this.handles.delete(key);
      if (!h.dir) this.emit(this.fileRecord(h, 'not_closed'));
    }
    this.pending.clear();
  }

  private stop(reason: string): void {
    this.stats.stopped ??= reason;
  }

  private safely(packet: Buffer, handler: (r: Reader, type: number) => void): void {
    if (this.ended || this.stats.stopped) return;
    this.stats.packets++;
    const r = new Reader(packet);
    try {
      handler.call(this, r, r.byte());
    } catch (err) {
      if (!(err instanceof SftpParseError)) throw err;
      // One malformed packet: sftp-server will answer it with an error of its own. We skip it
      // and go on reading, since the framing (the length prefix) is intact.
    }
  }

  private track(id: number, p: Pending): void {
    if (this.pending.size >= MAX_PENDING) {
      this.stats.untracked++;
      // A write we cannot follow to its reply: its bytes may or may not land, so no hash.
      if (p.kind === 'write') {
        const h = this.handles.get(p.handle);
        if (h) h.sequential = false;
      }
      return;
    }
    this.pending.set(id, p);
  }

  private request(r: Reader, type: number): void {
    if (type === FXP.INIT) return;
    const id = r.u32();
    const p = this.parseRequest(r, type);
    if (p) this.track(id, p);
  }

  /** What to remember of a request until its reply, or undefined when it changes nothing. */
  private parseRequest(r: Reader, type: number): Pending | undefined {
    switch (type) {
      case FXP.OPEN: {
        const path = r.string();
        const flags = openFlagNames(r.u32());
        return { kind: 'open', path, flags, dir: false };
      }
      case FXP.OPENDIR:
        return { kind: 'open', path: r.string(), flags: ['read'], dir: true };
      case FXP.CLOSE:
        return { kind: 'close', handle: r.bytes().toString('latin1') };
      case FXP.READ: {
        const handle = r.bytes().toString('latin1');
        return { kind: 'read', handle, offset: r.u64() };
      }
      case FXP.WRITE:
        return this.write(r);
      case FXP.REMOVE:
        return { kind: 'ns', action: 'remove', path: r.string() };
      case FXP.MKDIR:
        return { kind: 'ns', action: 'mkdir', path: r.string() };
      case FXP.RMDIR:
        return { kind: 'ns', action: 'rmdir', path: r.string() };
      case FXP.SETSTAT: {
        const path = r.string();
        return { kind: 'ns', action: 'setstat', path, attrs: r.attrs() };
      }
      case FXP.FSETSTAT: {
        const h = this.handles.get(r.bytes().toString('latin1'));
        return h && { kind: 'ns', action: 'setstat', path: h.path, attrs: r.attrs() };
      }
      case FXP.RENAME: {
        const path = r.string();
        return { kind: 'ns', action: 'rename', path, target: r.string() };
      }
      case FXP.SYMLINK: {
        // OpenSSH sends SYMLINK's two paths in the reverse of the draft's order (its PROTOCOL
        // file says so): the target first, then the link being created.
        const target = r.string();
        return { kind: 'ns', action: 'symlink', path: r.string(), target };
      }
      case FXP.EXTENDED:
        return this.extended(r);
      default:
        // Reads of metadata (STAT, LSTAT, FSTAT, READDIR, REALPATH, READLINK) change nothing.
        return undefined;
    }
  }

  private extended(r: Reader): Pending | undefined {
    const name = r.string();
    switch (name) {
      case 'posix-rename@openssh.com': {
        const path = r.string();
        return { kind: 'ns', action: 'rename', path, target: r.string() };
      }
      case 'hardlink@openssh.com': {
        const path = r.string();
        return { kind: 'ns', action: 'hardlink', path, target: r.string() };
      }
      case 'lsetstat@openssh.com': {
        const path = r.string();
        return { kind: 'ns', action: 'setstat', path, attrs: r.attrs() };
      }
      case 'copy-data': {
        // A server-side copy into the write handle: its bytes never pass by, so no hash.
        r.bytes();
        r.u64();
        r.u64();
        const h = this.handles.get(r.bytes().toString('latin1'));
        if (h) h.sequential = false;
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private write(r: Reader): Pending | undefined {
    const key = r.bytes().toString('latin1');
    const offset = r.u64();
    const data = r.bytes();
    const h = this.handles.get(key);
    if (!h) return undefined;
    if (h.sequential && offset === h.writeNext) {
      h.writeHash.update(data);
      h.writeNext += data.length;
    } else h.sequential = false;
    return { kind: 'write', handle: key, length: data.length };
  }

  private reply(r: Reader, type: number): void {
    if (type === FXP.VERSION) return;
    const id = r.u32();
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const status = type === FXP.STATUS ? statusName(r.u32()) : undefined;
    switch (p.kind) {
      case 'open':
        if (type === FXP.HANDLE) this.opened(r.bytes().toString('latin1'), p);
        else if (!p.dir) this.emit(this.fileRecord(newHandle(p.path, p.flags, false), status ?? 'failure'));
        return;
      case 'close': {
        const h = this.handles.get(p.handle);
        if (!h) return;
        this.handles.delete(p.handle);
        if (!h.dir) this.emit(this.fileRecord(h, status ?? 'failure'));
        return;
      }
      case 'read': {
        const h = this.handles.get(p.handle);
        if (!h || type !== FXP.DATA) return; // EOF or an error: nothing read
        const data = r.bytes();
        h.read += data.length;
        if (h.sequential && p.offset === h.readNext) {
          h.readHash.update(data);
          h.readNext += data.length;
        } else h.sequential = false;
        return;
      }
      case 'write': {
        const h = this.handles.get(p.handle);
        if (!h) return;
        if (status === 'ok') h.written += p.length;
        else h.sequential = false; // the hash covered bytes that did not land
        return;
      }
      case 'ns': {
        const rec: NamespaceRecord = { action: p.action, path: p.path, result: status ?? 'failure' };
        if (p.target !== undefined) rec.target = p.target;
        if (p.attrs) rec.attrs = p.attrs;
        this.emit(rec);
        return;
      }
    }
  }

  private opened(key: string, p: Extract<Pending, { kind: 'open' }>): void {
    if (this.handles.size >= MAX_HANDLES) {
      this.stats.untracked++;
      return;
    }
    this.handles.set(key, newHandle(p.path, p.flags, p.dir));
  }

  private fileRecord(h: Handle, result: string): FileRecord {
    const rec: FileRecord = {
      action: 'file',
      path: h.path,
      flags: h.flags,
      bytes_read: h.read,
      bytes_written: h.written,
      sequential: h.sequential && !(h.read > 0 && h.written > 0),
      result,
    };
    // Hash what moved: the written bytes when anything was written, else the read ones.
    if (rec.sequential) {
      const hash = h.written > 0 || h.writeNext > 0 ? h.writeHash : h.readHash;
      rec.sha256 = hash.digest('hex');
    }
    return rec;
  }
}

function newHandle(path: string, flags: string[], dir: boolean): Handle {
  return {
    path,
    flags,
    dir,
    read: 0,
    written: 0,
    readNext: 0,
    writeNext: 0,
    readHash: createHash('sha256'),
    writeHash: createHash('sha256'),
    sequential: true,
  };
}
