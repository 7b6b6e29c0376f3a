/**
 * Crafted SSH messages for fuzzing, sent through ssh2's own client after its key exchange (so
 * they are encrypted and MACed as a real client's are, and reach the server's message handlers
 * rather than its transport's integrity checks), plus a seeded PRNG and mutations of payloads.
 *
 *   const rng = new Rng(seed);
 *   sendRaw(conn, mutate(rng, userauthRequest('root', 'none')));
 *
 * Raw session channels (local ids from RAW_CHANNEL_BASE) are tracked by `RawChannels`, which
 * sees the server's answers ssh2's client would otherwise drop as unknown.
 */
import type ssh2 from 'ssh2';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** A length skewed to small values, sometimes large (up to max). */
  length(max: number): number {
    const r = this.next();
    if (r < 0.6) return this.int(16);
    if (r < 0.9) return this.int(512);
    return this.int(max + 1);
  }
}

export const MSG = {
  DISCONNECT: 1,
  IGNORE: 2,
  UNIMPLEMENTED: 3,
  DEBUG: 4,
  SERVICE_REQUEST: 5,
  KEXINIT: 20,
  USERAUTH_REQUEST: 50,
  GLOBAL_REQUEST: 80,
  CHANNEL_OPEN: 90,
  CHANNEL_OPEN_CONFIRMATION: 91,
  CHANNEL_WINDOW_ADJUST: 93,
  CHANNEL_DATA: 94,
  CHANNEL_EXTENDED_DATA: 95,
  CHANNEL_EOF: 96,
  CHANNEL_CLOSE: 97,
  CHANNEL_REQUEST: 98,
  CHANNEL_SUCCESS: 99,
  CHANNEL_FAILURE: 100,
} as const;

/** SSH wire encoding (RFC 4251 5) of a list of fields. */
export type Field = number | string | Buffer | boolean | { u32: number };

export function encode(...fields: Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    if (typeof f === 'boolean') parts.push(Buffer.from([f ? 1 : 0]));
    else if (typeof f === 'number') parts.push(Buffer.from([f & 0xff]));
    else if (typeof f === 'object' && 'u32' in f) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(f.u32 >>> 0);
      parts.push(b);
    } else {
      const data = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      parts.push(len, data);
    }
  }
  return Buffer.concat(parts);
}

const u32 = (n: number) => ({ u32: n });

/** Byte-level mutations: flips, overwrites, truncation, insertion, extreme length fields. */
export function mutate(rng: Rng, payload: Buffer): Buffer {
  let b = Buffer.from(payload);
  const ops = 1 + rng.int(4);
  for (let i = 0; i < ops; i++) {
    const at = b.length ? rng.int(b.length) : 0;
    switch (rng.int(6)) {
      case 0:
        if (b.length) b[at] = (b[at] as number) ^ (1 << rng.int(8));
        break;
      case 1:
        if (b.length) b[at] = rng.int(256);
        break;
      case 2:
        // Keep the message number: a truncated message of the same kind.
        b = b.subarray(0, Math.max(1, at));
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), rng.bytes(rng.length(64)), b.subarray(at)]);
        break;
      case 4:
        if (b.length >= 5) {
          const pos = 1 + rng.int(b.length - 4);
          b.writeUInt32BE(
            rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, b.length, b.length - pos]) >>> 0,
            pos,
          );
        }
        break;
      default:
        b = Buffer.concat([b, rng.bytes(rng.length(256))]);
    }
  }
  return b;
}

interface RawProtocol {
  _kexinit: unknown;
  _packetRW: { write: { allocStart: number; alloc(n: number): Buffer; finalize(p: Buffer): Buffer } };
  _cipher: { encrypt(p: Buffer): void };
  _handlers: Record<string, ((...args: unknown[]) => void) | undefined>;
}

function protocol(conn: ssh2.Client): RawProtocol | undefined {
  return (conn as unknown as { _protocol?: RawProtocol })._protocol;
}

/** Sends one message (payload starting with its number); false when it could not be sent now. */
export function sendRaw(conn: ssh2.Client, payload: Buffer): boolean {
  const p = protocol(conn);
  // During a (re)key exchange ssh2 queues; a crafted message has no place in that queue.
  if (!p || p._kexinit !== undefined || payload.length === 0) return false;
  try {
    const rw = p._packetRW.write;
    const start = rw.allocStart;
    const packet = rw.alloc(payload.length);
    payload.copy(packet, start);
    p._cipher.encrypt(rw.finalize(packet));
    return true;
  } catch {
    // The connection is already gone (cipher freed).
    return false;
  }
}

export const RAW_CHANNEL_BASE = 0x100000;

/** What the server said about one raw channel. */
export interface RawChannel {
  local: number;
  /** The server's id, once confirmed. */
  remote?: number;
  state: 'opening' | 'open' | 'refused' | 'closed';
  replies: number;
}

/**
 * Raw channels on one connection: opens them with crafted CHANNEL_OPEN messages and watches the
 * server's answers to them (ssh2's client ignores messages to channels it did not open; here the
 * server's CHANNEL_CLOSE is answered, as a client must, so the server can finish the channel).
 */
export class RawChannels {
  private readonly chans = new Map<number, RawChannel>();
  private next = RAW_CHANNEL_BASE;

  constructor(private readonly conn: ssh2.Client) {
    const p = protocol(conn);
    if (!p) throw new Error('no ssh2 protocol object');
    const h = p._handlers;
    const wrap = (name: string, mine: (recipient: number, args: unknown[]) => boolean) => {
      const orig = h[name];
      h[name] = (...args: unknown[]) => {
        const info = args[1];
        const recipient =
          typeof info === 'number' ? info : ((info as { recipient?: number } | undefined)?.recipient ?? -1);
        if (recipient >= RAW_CHANNEL_BASE && mine(recipient, args)) return;
        orig?.(...args);
      };
    };
    wrap('CHANNEL_OPEN_CONFIRMATION', (r, args) => {
      const c = this.chans.get(r);
      if (!c) return false;
      c.remote = (args[1] as { sender: number }).sender;
      c.state = 'open';
      return true;
    });
    wrap('CHANNEL_OPEN_FAILURE', (r) => {
      const c = this.chans.get(r);
      if (c) c.state = 'refused';
      return c !== undefined;
    });
    wrap('CHANNEL_CLOSE', (r) => {
      const c = this.chans.get(r);
      if (!c) return false;
      if (c.state === 'open' && c.remote !== undefined)
        sendRaw(this.conn, encode(MSG.CHANNEL_CLOSE, u32(c.remote)));
      c.state = 'closed';
      return true;
    });
    for (const name of ['CHANNEL_SUCCESS', 'CHANNEL_FAILURE'])
      wrap(name, (r) => {
        const c = this.chans.get(r);
        if (c) c.replies++;
        return c !== undefined;
      });
    // Data, EOF, window adjusts and requests (exit-status) to raw channels: ssh2 drops them.
  }

  /** Sends CHANNEL_OPEN (session, or `payload` as given) and waits for the answer (or `waitMs`). */
  async open(waitMs: number, payload?: (local: number) => Buffer): Promise<RawChannel> {
    const local = this.next++;
    const c: RawChannel = { local, state: 'opening', replies: 0 };
    this.chans.set(local, c);
    sendRaw(
      this.conn,
      payload?.(local) ?? encode(MSG.CHANNEL_OPEN, 'session', u32(local), u32(2 ** 21), u32(32768)),
    );
    const until = Date.now() + waitMs;
    while (c.state === 'opening' && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    return c;
  }

  all(): RawChannel[] {
    return [...this.chans.values()];
  }
}

/** A USERAUTH_REQUEST for `method` with plausible method-specific fields. */
export function userauthRequest(rng: Rng, login: string, method: string): Buffer {
  const head: Field[] = [MSG.USERAUTH_REQUEST, login, 'ssh-connection', method];
  switch (method) {
    case 'password':
      return encode(...head, rng.chance(0.2), rng.bytes(rng.length(64)));
    case 'publickey': {
      const sig = rng.chance(0.5);
      const algo = rng.pick(['ssh-ed25519', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-rsa', 'x']);
      const key = encode(algo, rng.bytes(rng.pick([0, 32, 65, 300])));
      return sig
        ? encode(...head, true, algo, key, encode(algo, rng.bytes(rng.length(128))))
        : encode(...head, false, algo, key);
    }
    case 'keyboard-interactive':
      return encode(...head, '', rng.bytes(rng.length(16)));
    case 'hostbased':
      return encode(...head, 'ssh-ed25519', rng.bytes(40), 'host.example', login, rng.bytes(64));
    default:
      return encode(...head, rng.bytes(rng.length(64)));
  }
}

const requestTypes = [
  'pty-req',
  'env',
  'exec',
  'shell',
  'subsystem',
  'window-change',
  'signal',
  'x11-req',
  'auth-agent-req@openssh.com',
  'xon-xoff',
  'break',
  'keepalive@openssh.com',
  'exit-status',
  'eow@openssh.com',
] as const;

/** A CHANNEL_REQUEST of a random type (sometimes unknown), with random but well-formed fields. */
export function channelRequest(rng: Rng, remote: number, commands: readonly string[]): Buffer {
  const type = rng.chance(0.1) ? rng.bytes(rng.length(40)).toString('latin1') : rng.pick(requestTypes);
  const head: Field[] = [MSG.CHANNEL_REQUEST, u32(remote), type, rng.chance(0.7)];
  const dim = () => u32(rng.pick([0, 1, 24, 80, 65535, 0x7fffffff, 0xffffffff, rng.int(2 ** 32)]));
  switch (type) {
    case 'pty-req':
      return encode(
        ...head,
        rng.pick(['xterm', 'vt100', '', 'xterm-256color', rng.bytes(rng.length(300)).toString('latin1')]),
        dim(),
        dim(),
        dim(),
        dim(),
        // Modes: opcode/u32 pairs ended by 0 (TTY_OP_END), or anything.
        rng.chance(0.5) ? Buffer.from([1, 0, 0, 0, 3, 53, 0, 0, 0, 1, 0]) : rng.bytes(rng.length(256)),
      );
    case 'env':
      return encode(
        ...head,
        rng.pick(['LANG', 'LC_ALL', 'LC_FUZZ', 'SHLVL', 'LD_PRELOAD', 'BASH_ENV', 'PATH', '', 'A=B']) +
          (rng.chance(0.3) ? rng.bytes(rng.length(20)).toString('latin1') : ''),
        rng.bytes(rng.length(8192)),
      );
    case 'exec':
      return encode(
        ...head,
        rng.chance(0.8) ? rng.pick(commands) : Buffer.concat([Buffer.from('#'), rng.bytes(rng.length(4096))]),
      );
    case 'subsystem':
      return encode(...head, rng.pick(['sftp', 'netconf', '', rng.bytes(rng.length(64)).toString('latin1')]));
    case 'window-change':
      return encode(...head, dim(), dim(), dim(), dim());
    case 'signal':
      return encode(
        ...head,
        rng.pick(['INT', 'TERM', 'HUP', 'KILL', 'USR1', 'WINCH', 'STOP', 'SEGV', '', 'NOPE', 'SIGINT']),
      );
    case 'x11-req':
      return encode(...head, false, 'MIT-MAGIC-COOKIE-1', rng.bytes(16).toString('hex'), u32(0));
    case 'break':
      return encode(...head, u32(rng.int(2 ** 32)));
    case 'exit-status':
      return encode(...head, u32(rng.int(256)));
    default:
      return rng.chance(0.5) ? encode(...head) : encode(...head, rng.bytes(rng.length(128)));
  }
}
