/**
 * Cuts one direction of an SFTP stream into packets (uint32 length, then the body) as the bytes
 * pass through. It only observes: the stream itself is forwarded untouched whatever happens
 * here. A length no SFTP peer would send (zero, or over MAX_PACKET) means the stream is not
 * SFTP as we understand it: the framer stops for good and says so once, so a hostile client
 * can neither crash the server nor make it buffer without bound.
 */
import { MAX_PACKET } from './wire.js';

export class PacketFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private broken = false;

  constructor(
    private readonly onPacket: (body: Buffer) => void,
    private readonly onBroken: (reason: string) => void,
  ) {}

  get stopped(): boolean {
    return this.broken;
  }

  push(chunk: Buffer): void {
    if (this.broken || chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (!this.broken && this.pendingBytes >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length === 0 || length > MAX_PACKET) {
        this.stop(`packet length ${length} outside 1..${MAX_PACKET}`);
        return;
      }
      if (this.pendingBytes < 4 + length) return;
      const packet = this.take(4 + length);
      this.onPacket(packet.subarray(4));
    }
  }

  private stop(reason: string): void {
    this.broken = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onBroken(reason);
  }

  /** The first n pending bytes, joined only when they straddle chunks. */
  private peek(n: number): Buffer {
    const first = this.pending[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.pending).subarray(0, n);
  }

  private take(n: number): Buffer {
    const first = this.pending[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.pending);
      out = all.subarray(0, n);
      this.pending = all.length > n ? [all.subarray(n)] : [];
    }
    this.pendingBytes -= n;
    return out;
  }
}
