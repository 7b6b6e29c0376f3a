/**
 * Appends a recording to its file with O_DIRECT, bypassing the page cache. On a cold VM buffered
 * writes of a fresh file cost seconds of kernel CPU per GiB (every new page-cache page is fresh
 * guest memory, slow to fault in); O_DIRECT does not touch the page cache. A recording is written
 * once and rarely read, so the page cache buys little here (docs/design.md, "Recordings"; the
 * side-by-side figures: `npm run bench -- recording`, docs/benchmarks.md).
 *
 * O_DIRECT needs the buffer address, file offset and length aligned (ALIGN covers 512-byte and
 * 4 KiB blocks). Bytes are copied into aligned slabs (WebAssembly memory is page-aligned); each
 * slab holds the file from an aligned offset on. Whole blocks go out with O_DIRECT; the partial
 * block at the end is written through a second, buffered descriptor whenever everything must be on
 * file (the periodic flush and close), so that the file is always an exact prefix of the
 * recording. One write at a time, in file order: a direct write then never races a buffered write
 * of the same block (the kernel writes back and drops those cached pages before the direct write).
 */
import { type PathLike, write } from 'node:fs';

const ALIGN = 4096;
const SLAB = 2 * 1024 * 1024;
/** Aligned bytes gathered before a direct write is started (1 MiB writes reach the disk's speed). */
const WRITE_AT = 1024 * 1024;
/**
 * Aligned slabs come from one WebAssembly memory shared by every session (page-aligned; one
 * memory per slab would not do: V8 reserves ~10 GiB of address space per memory and caps the
 * total). Untouched slabs cost address space only; used ones are reused last-in first-out (fresh
 * memory is slow to touch on this VM). When all are taken, a session gets an ordinary Buffer and
 * writes it buffered.
 */
const ARENA_SLABS = 64;
const free: Buffer[] = [];
let arena: 'untried' | 'ok' | 'unavailable' = 'untried';

/** WebAssembly memory is page-aligned; tsconfig's libs do not declare it. */
const Wasm = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer } };
  }
).WebAssembly;

/** An aligned slab, or undefined when none is left. */
function takeAligned(): Buffer | undefined {
  if (arena === 'untried') {
    try {
      const pages = (ARENA_SLABS * SLAB) / 65536;
      const mem = Buffer.from(new Wasm.Memory({ initial: pages, maximum: pages }).buffer);
      for (let i = ARENA_SLABS - 1; i >= 0; i--) free.push(mem.subarray(i * SLAB, (i + 1) * SLAB));
      arena = 'ok';
    } catch {
      arena = 'unavailable';
    }
  }
  return free.pop();
}

interface Job {
  data: Buffer;
  pos: number;
  /** O_DIRECT (whole blocks); otherwise buffered (the partial last block). */
  direct: boolean;
  /** Whole blocks: once written they are no longer `unwritten`. */
  counts: boolean;
  /** The slab this job reads from goes back to the pool when it is done and retired. */
  from: Slab;
}

interface Slab {
  mem: Buffer;
  /** File offset of mem[0] (a multiple of ALIGN). */
  base: number;
  fill: number;
  /** Bytes from 0 already handed to direct writes (a multiple of ALIGN). */
  queued: number;
  jobs: number;
  retired: boolean;
  /** From the arena (O_DIRECT possible); otherwise an ordinary Buffer, written buffered. */
  aligned: boolean;
}

function newSlab(base: number): Slab {
  const a = takeAligned();
  return {
    mem: a ?? Buffer.allocUnsafe(SLAB),
    base,
    fill: 0,
    queued: 0,
    jobs: 0,
    retired: false,
    aligned: !!a,
  };
}

export class DirectAppender {
  /** Undefined while the session is quiet (its slab went back to the arena). */
  private cur: Slab | undefined;
  /** The partial last block, kept while there is no slab, with its file offset. */
  private kept: { bytes: Buffer; base: number } = { bytes: Buffer.alloc(0), base: 0 };
  private appendedSinceFlush = false;
  private readonly jobs: Job[] = [];
  private busy = false;
  private unwrittenBytes = 0;
  private failed = false;
  private idleWaiters: (() => void)[] = [];
  /** After a direct write was refused (EINVAL: the filesystem wants other alignment), buffered only. */
  private direct = true;
  /**
   * The end of what is on file: every byte before it has been written (jobs go out one at a
   * time, in file order). After a failed write the file is cut back to a line end at most this.
   */
  private end = 0;

  constructor(
    readonly path: PathLike,
    private readonly dfd: number,
    private readonly bfd: number,
    private readonly onWritten: () => void,
    private readonly onError: (err: Error) => void,
  ) {}

  /** `bytes` from offset 0 are already on file (the header, written before anything else). */
  seed(bytes: Buffer): void {
    this.kept = { bytes: Buffer.from(bytes), base: 0 };
    this.end = bytes.length;
  }

  /** Bytes from the file's start known to be written. */
  get writtenEnd(): number {
    return this.end;
  }

  /** The current slab, taken on first use (an idle session holds none). */
  private slab(): Slab {
    if (this.cur) return this.cur;
    const c = newSlab(this.kept.base);
    c.fill = this.kept.bytes.copy(c.mem, 0);
    this.kept = { bytes: Buffer.alloc(0), base: 0 };
    this.cur = c;
    return c;
  }

  /** Bytes given to `append` that are not on file yet. */
  get unwritten(): number {
    return this.failed ? 0 : this.unwrittenBytes;
  }

  /** Copies `b` (the caller may reuse it at once). */
  append(b: Buffer): void {
    if (this.failed) return;
    this.unwrittenBytes += b.length;
    this.appendedSinceFlush = true;
    let c = this.slab();
    let i = 0;
    while (i < b.length) {
      if (c.fill === SLAB) c = this.rollover(c);
      const n = Math.min(SLAB - c.fill, b.length - i);
      b.copy(c.mem, c.fill, i, i + n);
      c.fill += n;
      i += n;
    }
    if (c.fill - c.queued >= WRITE_AT + ALIGN) this.queueBlocks(c);
  }

  /** Puts everything appended so far on file, the partial last block included. */
  flush(): void {
    if (this.failed) return;
    const c = this.cur;
    if (!c) return;
    const quiet = !this.appendedSinceFlush;
    this.appendedSinceFlush = false;
    this.queueBlocks(c);
    if (quiet) {
      // Nothing new since the last flush (all of it is on file or on its way): the slab goes back
      // to the arena once its writes are done; the partial last block is kept aside.
      this.kept = { bytes: Buffer.from(c.mem.subarray(c.queued, c.fill)), base: c.base + c.queued };
      this.cur = undefined;
      c.retired = true;
      this.release(c);
      return;
    }
    if (c.fill > c.queued)
      this.enqueue({
        data: c.mem.subarray(c.queued, c.fill),
        pos: c.base + c.queued,
        direct: false,
        counts: false,
        from: c,
      });
    this.pump();
  }

  /** Resolves once every queued write has finished. */
  idle(): Promise<void> {
    if (!this.busy && this.jobs.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private queueBlocks(c: Slab): void {
    const end = c.fill - (c.fill % ALIGN);
    if (end > c.queued) {
      this.enqueue({
        data: c.mem.subarray(c.queued, end),
        pos: c.base + c.queued,
        direct: c.aligned,
        counts: true,
        from: c,
      });
      c.queued = end;
    }
    this.pump();
  }

  /** The slab is full: its whole blocks go out, its partial last block moves to a fresh slab. */
  private rollover(old: Slab): Slab {
    this.queueBlocks(old);
    const next = newSlab(old.base + old.queued);
    next.fill = old.mem.copy(next.mem, 0, old.queued, old.fill);
    old.retired = true;
    this.release(old);
    this.cur = next;
    return next;
  }

  private release(s: Slab): void {
    if (s.retired && s.jobs === 0 && s.aligned) {
      free.push(s.mem);
      s.aligned = false; // given back once
    }
  }

  private enqueue(job: Job): void {
    job.from.jobs++;
    this.jobs.push(job);
  }

  private pump(): void {
    if (this.busy) return;
    const job = this.jobs.shift();
    if (!job) {
      for (const f of this.idleWaiters.splice(0)) f();
      return;
    }
    this.busy = true;
    const useDirect = this.direct && job.direct;
    write(useDirect ? this.dfd : this.bfd, job.data, 0, job.data.length, job.pos, (err, n) => {
      this.busy = false;
      if (err && useDirect && (err as NodeJS.ErrnoException).code === 'EINVAL') {
        // Alignment this filesystem does not accept: the same bytes, buffered, from now on.
        this.direct = false;
        this.jobs.unshift(job);
        return this.pump();
      }
      job.from.jobs--;
      if (err) {
        this.failed = true;
        // Nothing more will be written: the slabs go back to the arena.
        for (const j of this.jobs.splice(0)) {
          j.from.jobs--;
          this.release(j.from);
        }
        this.onError(err);
      } else {
        // Only whole blocks count as written: a tail is written again with the blocks after it.
        if (job.counts) this.unwrittenBytes -= n;
        this.end = Math.max(this.end, job.pos + n);
        if (n < job.data.length) {
          // Short write: the rest, buffered (its blocks are not touched by later direct writes).
          this.enqueue({ ...job, data: job.data.subarray(n), pos: job.pos + n, direct: false });
          this.jobs.unshift(this.jobs.pop() as Job);
        }
      }
      this.release(job.from);
      this.onWritten();
      this.pump();
    });
  }

  /** Once idle after the final flush: every byte is on file; the slab goes back to the pool. */
  dispose(): void {
    this.unwrittenBytes = 0;
    if (this.cur) {
      this.cur.retired = true;
      this.release(this.cur);
      this.cur = undefined;
    }
  }
}
