/**
 * What a client said before its key exchange finished: its identification line and the algorithm
 * lists of its first KEXINIT, read off the socket as the bytes pass to ssh2 (which keeps neither
 * once a handshake fails, and says nothing at all about a client that stalls). Only the log of a
 * failed or stalled key exchange uses them.
 */
import type { Socket } from 'node:net';

/** The client's first KEXINIT, client-to-server lists only (the ones a failure is usually about). */
export interface ClientOffer {
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
  compress: string[];
}

export type HandshakeStage = 'ident' | 'kexinit' | 'key exchange';

/** Where the bytes of one pre-handshake client stop mattering: past this, nothing is parsed. */
const MAX_OBSERVED = 64 * 1024;
const SSH_MSG_KEXINIT = 20;

/** Parses the name-lists of a KEXINIT payload (RFC 4253 7.1); undefined when malformed. */
export function parseKexinit(payload: Buffer): ClientOffer | undefined {
  if (payload[0] !== SSH_MSG_KEXINIT) return undefined;
  let pos = 17; // type byte + 16-byte cookie
  const lists: string[][] = [];
  for (let i = 0; i < 8; i++) {
    if (pos + 4 > payload.length) return undefined;
    const len = payload.readUInt32BE(pos);
    pos += 4;
    if (pos + len > payload.length) return undefined;
    const text = payload.toString('latin1', pos, pos + len);
    lists.push(text === '' ? [] : text.split(','));
    pos += len;
  }
  // Order on the wire: kex, host key, cipher c->s, s->c, mac c->s, s->c, compression c->s, s->c.
  const [kex, hostKey, cipher, , mac, , compress] = lists as [
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
    string[],
  ];
  return { kex, hostKey, cipher, mac, compress };
}

export class HandshakeWatch {
  /** The client's identification line, without CR LF. */
  ident: string | undefined;
  offer: ClientOffer | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private seen = 0;
  private readonly onData = (chunk: Buffer) => this.take(chunk);

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
  }

  /** How far the client got: waiting for its ident, for its KEXINIT, or in the key exchange. */
  get stage(): HandshakeStage {
    if (this.ident === undefined) return 'ident';
    return this.offer === undefined ? 'kexinit' : 'key exchange';
  }

  /** Stops reading the socket (the handshake is done, or the socket is gone). */
  stop(): void {
    this.socket.off('data', this.onData);
    this.buf = Buffer.alloc(0);
  }

  /** Log fields: the client's ident and offered algorithms, as far as they arrived. */
  fields(): Record<string, unknown> {
    const f: Record<string, unknown> = { stage: this.stage };
    if (this.ident !== undefined) f.client_ident = this.ident;
    if (this.offer) {
      f.client_kex = this.offer.kex.join(',');
      f.client_host_key = this.offer.hostKey.join(',');
      f.client_ciphers = this.offer.cipher.join(',');
      f.client_macs = this.offer.mac.join(',');
      f.client_compression = this.offer.compress.join(',');
    }
    return f;
  }

  private take(chunk: Buffer): void {
    this.seen += chunk.length;
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.ident === undefined) this.readIdent();
    if (this.ident !== undefined && this.offer === undefined) this.readKexinit();
    if (this.offer !== undefined || this.seen > MAX_OBSERVED) this.stop();
  }

  private readIdent(): void {
    // RFC 4253 4.2: the client sends its ident first, ended by CR LF (LF alone is tolerated).
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) return;
      const line = this.buf.toString('latin1', 0, nl).replace(/\r$/, '');
      this.buf = this.buf.subarray(nl + 1);
      if (line.startsWith('SSH-')) {
        this.ident = line.slice(0, 255);
        return;
      }
    }
  }

  private readKexinit(): void {
    // The first binary packet is unencrypted: uint32 length, byte padding length, payload, padding.
    if (this.buf.length < 5) return;
    const len = this.buf.readUInt32BE(0);
    if (len > MAX_OBSERVED) {
      this.stop();
      return;
    }
    if (this.buf.length < 4 + len) return;
    const padding = this.buf[4] ?? 0;
    const payload = this.buf.subarray(5, 4 + len - padding);
    this.offer = parseKexinit(payload) ?? { kex: [], hostKey: [], cipher: [], mac: [], compress: [] };
  }
}
