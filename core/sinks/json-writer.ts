/**
 * Writes JSON straight into one growing Buffer, with JSON.stringify's exact output for every
 * value it is given: short plain strings and integers byte by byte, anything else through
 * JSON.stringify. A bulk body written this way allocates almost nothing per event (building
 * each document as a string first cost ~4 KB of garbage per event, and young-generation
 * collections copying the pipeline's queued events were most of the sink's CPU). Used by the
 * elasticsearch and splunk_hec sinks; it lives in core because sinks never depend on each other.
 */

import { NEEDS_ESCAPE } from '../events/serialize.js';

/** Up to this length, strings are checked and copied in one loop (cheaper than a native call). */
const SHORT = 48;

export class JsonWriter {
  buf: Buffer;
  off = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, size));
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(bigger, 0, 0, this.off);
    this.buf = bigger;
  }

  /** Pre-encoded bytes (a cached fragment). */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.off++] = c;
  }

  /** Text that is already JSON (the canonical event). */
  raw(s: string): void {
    this.ensure(s.length * 3);
    this.off += this.buf.write(s, this.off);
  }

  /** Short text known to be ASCII (digits, names), written as is. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    const start = this.off;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.off = start;
        this.raw(s);
        return;
      }
      buf[start + i] = c;
    }
    this.off = start + n;
  }

  /** A string as a JSON string literal, as JSON.stringify writes it. */
  str(s: string): void {
    const n = s.length;
    if (n <= SHORT) {
      this.ensure(n + 2);
      const buf = this.buf;
      const start = this.off;
      let o = start;
      buf[o++] = 0x22;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        // Printable ASCII other than " and \ is written as itself.
        if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
          this.raw(JSON.stringify(s));
          return;
        }
        buf[o++] = c;
      }
      buf[o++] = 0x22;
      this.off = o;
      return;
    }
    if (NEEDS_ESCAPE.test(s)) {
      this.raw(JSON.stringify(s));
      return;
    }
    this.ensure(n * 3 + 2);
    this.buf[this.off++] = 0x22;
    this.off += this.buf.write(s, this.off);
    this.buf[this.off++] = 0x22;
  }

  /**
   * Part of a JSON string literal (between `quote()`s): `s` escaped as JSON.stringify would
   * escape it within the whole string. Parts must be separated by a character that is not a
   * surrogate (":" or " "), so that no surrogate pair is split between two parts.
   */
  part(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    const start = this.off;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.off = start;
        const json = JSON.stringify(s);
        this.raw(json.slice(1, -1));
        return;
      }
      buf[start + i] = c;
    }
    this.off = start + n;
  }

  /** `String(v)` as part of a string literal. */
  partNum(v: number): void {
    if (v >= 0 && v <= 0xffffffffffff && Number.isInteger(v)) this.num(v);
    else this.part(String(v));
  }

  quote(): void {
    this.byte(0x22);
  }

  /** A number as JSON.stringify writes it (non-negative safe integers digit by digit). */
  num(v: number): void {
    if (v >= 0 && v <= 0xffffffffffff && Number.isInteger(v)) {
      this.ensure(16);
      if (v < 10) {
        this.buf[this.off++] = 0x30 + v;
        return;
      }
      let digits = 1;
      for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
      let o = this.off + digits;
      this.off = o;
      for (let x = v; o > this.off - digits; x = Math.floor(x / 10)) this.buf[--o] = 0x30 + (x % 10);
      return;
    }
    this.raw(JSON.stringify(v));
  }

  /** The bytes written so far (a view, not a copy). */
  result(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}
