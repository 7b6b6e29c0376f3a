/**
 * JSON string literals for ASCII output, written as bytes into a shared slab. Profiling the exec
 * path with recording on (256 MiB of NULs: each becomes the six bytes \u0000) showed the time going
 * to (1) allocating a fresh output Buffer per chunk (external memory + GC: ~8x slower than filling
 * a reused slab) and (2) the per-byte escape loop. So lines are encoded straight into a large slab
 * whose slices are queued for writev, and output that repeats with a short period (NUL or space
 * fill, `yes`, progress characters) is escaped once per period and replicated with a native fill.
 * The result is byte-identical to JSON.stringify(latin1 string) for ASCII input (tests check it).
 */
const SLAB = 2 * 1024 * 1024;
const MAX_PERIOD = 8;
const MIN_PERIODIC = 256;

/** Escaped length of each ASCII byte: 1 (as is), 2 (\n, \", \\ ...) or 6 (\u00XX). */
const escLen = new Uint8Array(128);
/** The second byte of a two-byte escape. */
const esc2 = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const e = JSON.stringify(String.fromCharCode(c)).slice(1, -1);
  escLen[c] = e.length;
  if (e.length === 2) esc2[c] = e.charCodeAt(1);
}
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/** Escapes `src` (bytes < 0x80) into `out` from `o` on; returns the end offset. */
function escapeInto(src: Uint8Array, out: Buffer, o: number): number {
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const b = src[i] as number;
    const k = escLen[b];
    if (k === 1) out[o++] = b;
    else if (k === 2) {
      out[o++] = 92;
      out[o++] = esc2[b] as number;
    } else {
      out[o++] = 92;
      out[o++] = 117;
      out[o++] = 48;
      out[o++] = 48;
      out[o++] = HEX[b >> 4] as number;
      out[o++] = HEX[b & 15] as number;
    }
  }
  return o;
}

/** True when a sample of the chunk is dominated by bytes needing a \u00XX escape. */
function controlHeavy(b: Buffer): boolean {
  const n = Math.min(b.length, 256);
  let heavy = 0;
  for (let i = 0; i < n; i++) if (escLen[b[i] as number] === 6) heavy++;
  return heavy * 4 > n;
}

/** The smallest period p <= MAX_PERIOD with b[i] === b[i + p] for all i, or 0 (memcmp, exits early). */
function period(b: Buffer): number {
  const n = b.length;
  if (n < MIN_PERIODIC) return 0;
  for (let p = 1; p <= MAX_PERIOD; p++) if (b.compare(b, 0, n - p, p, n) === 0) return p;
  return 0;
}

/**
 * Encodes recording lines into a reused slab. A returned slice stays valid until it was written
 * (a new slab is taken when the current one is full; the old one lives on in the queued slices).
 */
export class LineEncoder {
  private buf: Buffer = Buffer.alloc(0); // taken on first use: idle sessions hold no slab
  private off = 0;
  private readonly unit = Buffer.allocUnsafe(6 * MAX_PERIOD);

  /** Full slabs whose slices may still wait to be written. */
  private retired: Buffer[] = [];
  /** Written slabs, reused: fresh memory costs a page fault per 4 KiB (profiled: most of the fill time). */
  private free: Buffer[] = [];

  private room(n: number): Buffer {
    if (this.buf.length - this.off < n) {
      if (this.buf.length) this.retired.push(this.buf);
      const reuse = n <= SLAB ? this.free.pop() : undefined;
      this.buf = reuse ?? Buffer.allocUnsafe(Math.max(SLAB, n));
      this.off = 0;
    }
    return this.buf;
  }

  /**
   * Call when a write starts that holds every line encoded so far; pass the result to `recycle`
   * when that write has finished (the slabs retired before it then hold only written bytes).
   */
  takeRetired(): Buffer[] {
    const r = this.retired;
    this.retired = [];
    return r;
  }

  recycle(slabs: Buffer[]): void {
    for (const b of slabs) if (b.length === SLAB && this.free.length < 2) this.free.push(b);
  }

  /** `prefix + JSON string of ascii + suffix` as one Buffer; prefix/suffix are short ASCII. */
  line(prefix: string, ascii: Buffer, suffix: string): Buffer {
    const n = ascii.length;
    const p = period(ascii);
    let unitLen = 0;
    let reps = 0;
    let worst: number;
    if (p > 0) {
      unitLen = escapeInto(ascii.subarray(0, p), this.unit, 0);
      reps = Math.floor(n / p);
      worst = reps * unitLen + 6 * (n - reps * p);
    } else worst = 6 * n;
    const out = this.room(prefix.length + suffix.length + worst + 2);
    const start = this.off;
    let o = start + out.write(prefix, start, 'latin1');
    out[o++] = 34;
    if (p > 0) {
      const end = o + reps * unitLen;
      out.fill(this.unit.subarray(0, unitLen), o, end);
      o = escapeInto(ascii.subarray(reps * p), out, end);
    } else if (controlHeavy(ascii)) {
      o = escapeInto(ascii, out, o);
    } else {
      // Mostly printable text: V8's JSON.stringify beats the byte loop here (measured).
      o += out.write(JSON.stringify(ascii.toString('latin1')).slice(1, -1), o, 'latin1');
    }
    out[o++] = 34;
    o += out.write(suffix, o, 'latin1');
    this.off = o;
    return out.subarray(start, o);
  }
}

/** `ascii` must hold only bytes < 0x80. A fresh Buffer (kept for callers and tests). */
const shared = new LineEncoder();
export function jsonStringAscii(ascii: Buffer): Buffer {
  return Buffer.from(shared.line('', ascii, ''));
}
