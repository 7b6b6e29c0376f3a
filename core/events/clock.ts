/**
 * Event time and ids. Time is RFC 3339 UTC with nanoseconds: the wall clock read once at start-up,
 * advanced by the monotonic high-resolution clock, so times never go backwards within a process
 * and cost one hrtime read per event (the "YYYY-MM-DDTHH:MM:SS" part is cached per second).
 * An event that happened earlier (a kernel event, stamped at its syscall) gets that time instead
 * (stampAt); its id is still taken now, so ids keep the order events were stamped in.
 * Ids are UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids
 * generated within the same millisecond in order (method 1), then 62 random bits.
 */
import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** The 12-bit counter as three hex digits. */
const COUNTER: string[] = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, '0'));
/** 0-999 as three decimal digits, for the fraction of a second. */
const DEC3: string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

export interface Stamp {
  /** RFC 3339 UTC with nanoseconds. */
  time: string;
  /** UUIDv7. */
  id: string;
}

export class EventClock {
  private readonly anchorSec: number;
  private readonly anchorNs: number;
  /** process.hrtime() at the anchor: [seconds, nanoseconds]. */
  private readonly anchorHrSec: number;
  private readonly anchorHrNs: number;
  private lastSec = -1;
  /** `YYYY-MM-DDTHH:MM:SS.` for the current second. */
  private secPrefix = '';
  private lastMs = -1;
  /** `tttttttt-tttt-7` for the current millisecond: built once per millisecond. */
  private msPrefix = '';
  private counter = 0;
  // 64 KiB per refill: randomFillSync costs ~12 ns per id from a 4 KiB pool, ~2 ns from 64 KiB.
  private readonly pool = Buffer.alloc(8 * 8192);
  private poolPos = this.pool.length;

  constructor(nowMs: number = Date.now(), hr: [number, number] = process.hrtime()) {
    this.anchorSec = Math.floor(nowMs / 1000);
    this.anchorNs = (nowMs % 1000) * 1e6;
    [this.anchorHrSec, this.anchorHrNs] = hr;
  }

  /** Nanoseconds since anchorSec (exact in a double for ~100 days of uptime). process.hrtime()
   * rather than its bigint form: one small array instead of two BigInts per event. */
  private offsetNs(): number {
    const hr = process.hrtime();
    return this.anchorNs + (hr[0] - this.anchorHrSec) * 1e9 + (hr[1] - this.anchorHrNs);
  }

  stamp(): Stamp {
    const off = this.offsetNs();
    const secOff = Math.floor(off / 1e9);
    const frac = off - secOff * 1e9;
    const sec = this.anchorSec + secOff;
    return { time: this.format(sec, frac), id: this.uuid(sec * 1000 + ((frac / 1e6) | 0)) };
  }

  /** A given wall-clock time (Unix seconds, nanoseconds); the id from now. */
  stampAt(sec: number, nsec: number): Stamp {
    const off = this.offsetNs();
    const secOff = Math.floor(off / 1e9);
    const nowMs = (this.anchorSec + secOff) * 1000 + (((off - secOff * 1e9) / 1e6) | 0);
    return { time: this.format(sec, nsec), id: this.uuid(nowMs) };
  }

  private format(sec: number, frac: number): string {
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.secPrefix = `${new Date(sec * 1000).toISOString().slice(0, 19)}.`;
    }
    // Built from short pieces on purpose: V8 copies a concatenation under 13 characters into a
    // flat string, so the time is one rope node over two flat strings. Every node of an event's
    // JSON rope is paid for again when a sink flattens it, and String(number) of a 10-digit
    // number (not a small integer) takes V8's slow double-to-string path.
    const ms = (frac / 1e6) | 0;
    const rest = frac - ms * 1e6;
    const us = (rest / 1e3) | 0;
    const fraction = `${DEC3[ms]}${DEC3[us]}${DEC3[rest - us * 1e3]}Z`;
    return `${this.secPrefix}${fraction}`;
  }

  /** Time only, for loss windows. */
  now(): string {
    return this.stamp().time;
  }

  private uuid(ms: number): string {
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.msPrefix = uuidPrefix(ms);
      // A random start in the lower half leaves at least 2048 ids per millisecond in order.
      this.counter = this.randomByte() << 3;
    } else if (++this.counter > 0xfff) {
      // Counter exhausted within one millisecond: borrow the next millisecond (RFC 9562 6.2).
      this.lastMs++;
      this.msPrefix = uuidPrefix(this.lastMs);
      this.counter = 0;
    }
    const p = this.take8();
    const pool = this.pool;
    // Two pieces of at most 12 characters (flat, see stamp) after the per-millisecond prefix.
    const mid = `${COUNTER[this.counter]}-${HEX[(pool[p]! & 0x3f) | 0x80]}${HEX[pool[p + 1]!]}-`;
    const tail = `${HEX[pool[p + 2]!]}${HEX[pool[p + 3]!]}${HEX[pool[p + 4]!]}${HEX[pool[p + 5]!]}${HEX[pool[p + 6]!]}${HEX[pool[p + 7]!]}`;
    return `${this.msPrefix}${mid}${tail}`;
  }

  private randomByte(): number {
    return this.pool[this.take8()]! & 0xff;
  }

  private take8(): number {
    if (this.poolPos + 8 > this.pool.length) {
      randomFillSync(this.pool);
      this.poolPos = 0;
    }
    const p = this.poolPos;
    this.poolPos += 8;
    return p;
  }
}

function uuidPrefix(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7`;
}
