/**
 * Keeps the chain (chain.ts) of a file as it is appended to: every byte goes through one
 * incremental sha256 (no second pass, no copy), a block ends at BLOCK_BYTES or when the owner
 * flushes, and its line goes to the sidecar only once the owner reports the block's bytes on
 * file, so the chain never claims bytes a crash could have lost. Open chains are listed for the
 * periodic audit.checkpoint (registry.ts): what they report is what their sidecar holds.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  close,
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  write,
  writeSync,
} from 'node:fs';
import { basename } from 'node:path';
import {
  BLOCK_BYTES,
  CHAIN_SUFFIX,
  type ChainHeader,
  type ChainLink,
  closeLine,
  genesis,
  headerLine,
  linkLine,
  newHeader,
  nextLink,
  parseChainLine,
  parseHeader,
} from './chain.js';
import { chainClosed, chainDropped, chainOpened } from './registry.js';

/** What a chain vouches for so far: its first `blocks` links cover `length` bytes, ending in `digest`. */
export interface ChainState {
  /** The data file (its path when the state was taken). */
  path: string;
  id: string;
  blocks: number;
  length: number;
  digest: string;
  closed: boolean;
}

/** The sidecar: lines appended one write at a time, in order; each carries the state it makes true. */
class Sidecar {
  private queue: { text: string; after: ChainState }[] = [];
  private busy = false;
  private failed = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly fd: number,
    private readonly onFile: (s: ChainState) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  add(text: string, after: ChainState): void {
    if (this.failed) return;
    this.queue.push({ text, after });
  }

  /** Writes what is queued (one write for all of it). */
  flush(): void {
    if (this.busy || this.failed) return;
    if (this.queue.length === 0) {
      for (const w of this.waiters.splice(0)) w();
      return;
    }
    const items = this.queue.splice(0);
    const buf = Buffer.from(items.map((i) => i.text).join(''));
    this.busy = true;
    write(this.fd, buf, 0, buf.length, null, (err, n) => {
      this.busy = false;
      if (err || n !== buf.length) {
        this.failed = true;
        this.onError(err ?? new Error(`chain: short write ${n} of ${buf.length} bytes`));
        for (const w of this.waiters.splice(0)) w();
        return;
      }
      this.onFile((items[items.length - 1] as { after: ChainState }).after);
      this.flush();
    });
  }

  abandon(): void {
    this.failed = true;
    this.queue = [];
    closeSync(this.fd);
  }

  async close(): Promise<void> {
    this.flush();
    if (this.busy || this.queue.length) await new Promise<void>((r) => this.waiters.push(r));
    await new Promise<void>((r) => close(this.fd, () => r()));
  }
}

export interface ChainWriterOptions {
  /** A chain file could not be written: the owner treats it as its own write failure. */
  onError: (err: Error) => void;
}

export class ChainWriter {
  private hash: Hash = createHash('sha256');
  /** Bytes given to add() that are not in a cut block yet, from `blockStart`. */
  private blockStart: number;
  private blockLen = 0;
  /** The last block cut: its end, link and count. */
  private prev: string;
  private count: number;
  /** Cut, waiting for their bytes to be on file. */
  private pending: ChainLink[] = [];
  /** The last link handed to the sidecar. */
  private released: { end: number; link: string; count: number };
  private onFile: ChainState;
  private readonly sidecar: Sidecar;
  private closed = false;
  readonly id: string;

  private constructor(
    private path: string,
    header: ChainHeader,
    text: string,
    fd: number,
    resumed: { end: number; link: string; count: number } | undefined,
    opts: ChainWriterOptions,
  ) {
    this.id = header.id;
    const start = resumed ?? { end: 0, link: genesis(text), count: 0 };
    this.prev = start.link;
    this.count = start.count;
    this.blockStart = start.end;
    this.released = { ...start };
    this.onFile = this.state(start);
    this.sidecar = new Sidecar(fd, (s) => (this.onFile = s), opts.onError);
    chainOpened(this);
  }

  /** Starts the chain of a new file (its sidecar must not exist). */
  static create(path: string, opts: ChainWriterOptions): ChainWriter {
    const header = newHeader(basename(path));
    const text = headerLine(header);
    const fd = openSync(path + CHAIN_SUFFIX, 'wx', 0o600);
    try {
      const b = Buffer.from(text);
      let o = 0;
      while (o < b.length) o += writeAll(fd, b, o);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new ChainWriter(path, header, text, fd, undefined, opts);
  }

  /**
   * Goes on with the chain of a file appended to across restarts (the audit file). Bytes on file
   * past the chain's end (the previous run crashed before chaining them, or the file predates
   * chains) become one `gap` record: from now on intact, but never anchored while written. A
   * chain that is missing, closed or unreadable is set aside and a new one started with a gap.
   */
  static resume(path: string, opts: ChainWriterOptions): ChainWriter {
    const side = path + CHAIN_SUFFIX;
    const size = existsSync(path) ? fstatSizeOf(path) : 0;
    let prior: ReturnType<typeof readTail>;
    if (existsSync(side)) {
      prior = readTail(side);
      if (!prior || prior.end > size) {
        // Not a chain this file can go on with (it claims more than is there, or was closed):
        // kept aside for the auditor, and a new one starts.
        renameSync(side, `${side}.old-${Date.now()}`);
        prior = undefined;
      }
    }
    let w: ChainWriter;
    if (prior) {
      const fd = openSync(side, 'a', 0o600);
      // A torn last line (the previous run died inside its write) is cut off first.
      ftruncateSync(fd, prior.bytes);
      w = new ChainWriter(path, prior.header, prior.text, fd, prior, opts);
    } else {
      w = ChainWriter.create(path, opts);
    }
    if (size > w.blockStart) w.adoptGap(size);
    return w;
  }

  /** Reads the bytes between the chain's end and `size` from the file and chains them as a gap. */
  private adoptGap(size: number): void {
    const fd = openSync(this.path, 'r');
    try {
      const h = createHash('sha256');
      const buf = Buffer.allocUnsafe(1024 * 1024);
      for (let pos = this.blockStart; pos < size; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        pos += n;
      }
      const length = size - this.blockStart;
      const hash = h.digest('hex');
      const link = nextLink(this.prev, this.blockStart, length, hash);
      this.pending.push({ kind: 'gap', offset: this.blockStart, length, hash, link });
      this.prev = link;
      this.count++;
      this.blockStart = size;
      this.written(size);
      this.sidecar.flush();
    } finally {
      closeSync(fd);
    }
  }

  private state(r: { end: number; link: string; count: number }, closed = false): ChainState {
    return { path: this.path, id: this.id, blocks: r.count, length: r.end, digest: r.link, closed };
  }

  /** What the sidecar on file vouches for (the running digest a checkpoint reports). */
  get current(): ChainState {
    return { ...this.onFile, path: this.path };
  }

  /** The end of the bytes given to add() (or adopted): where the next one goes. */
  get end(): number {
    return this.blockStart + this.blockLen;
  }

  /** `b` was appended to the file (in file order). */
  add(b: Buffer): void {
    if (this.closed || b.length === 0) return;
    this.hash.update(b);
    this.blockLen += b.length;
    if (this.blockLen >= BLOCK_BYTES) this.cut();
  }

  /** Ends the current block (the owner flushes). */
  cut(): void {
    if (this.blockLen === 0) return;
    const hash = this.hash.digest('hex');
    this.hash = createHash('sha256');
    const link = nextLink(this.prev, this.blockStart, this.blockLen, hash);
    this.pending.push({ kind: 'block', offset: this.blockStart, length: this.blockLen, hash, link });
    this.prev = link;
    this.count++;
    this.blockStart += this.blockLen;
    this.blockLen = 0;
  }

  /** Every byte before `end` is on file: the blocks within it go to the sidecar. */
  written(end: number): void {
    let i = 0;
    for (; i < this.pending.length; i++) {
      const l = this.pending[i] as ChainLink;
      if (l.offset + l.length > end) break;
      this.released = { end: l.offset + l.length, link: l.link, count: this.released.count + 1 };
      this.sidecar.add(linkLine(l), this.state(this.released));
    }
    if (i) this.pending.splice(0, i);
  }

  /** Writes the sidecar lines released so far (on the owner's flush timer). */
  flush(): void {
    this.sidecar.flush();
  }

  /**
   * The file was cut back to `end` after a failed write: blocks past it are dropped, and bytes
   * between the last released block and `end` (still on file) are read back into the chain.
   */
  rewind(end: number, read: (from: number, to: number) => Buffer): void {
    this.pending = [];
    this.hash = createHash('sha256');
    this.prev = this.released.link;
    this.count = this.released.count;
    this.blockStart = Math.min(this.released.end, end);
    this.blockLen = 0;
    if (end > this.blockStart) this.add(read(this.blockStart, end));
  }

  /** The file was renamed (rotation): the sidecar follows it. */
  renamed(to: string): void {
    renameSync(this.path + CHAIN_SUFFIX, to + CHAIN_SUFFIX);
    this.path = to;
  }

  /** The file is being removed (its recording never started): nothing more is written or reported. */
  abandon(): void {
    this.closed = true;
    this.sidecar.abandon();
    chainDropped(this);
  }

  /**
   * The file is complete at `end` (every byte given to add() is on file): the last block and the
   * close record are written and the sidecar closed. `seal` false leaves out the close record:
   * the file goes on being appended to by the next run (the audit file).
   */
  async close(end: number, seal = true): Promise<void> {
    if (this.closed) return;
    this.cut();
    this.written(end);
    this.closed = true;
    const final = this.state(this.released, seal);
    // A close record only when the chain covers the whole file; otherwise the tail stays open.
    if (seal && this.released.end === end) this.sidecar.add(closeLine(end, this.released.link), final);
    await this.sidecar.close();
    chainClosed(this, { ...this.onFile, path: this.path });
  }
}

function writeAll(fd: number, b: Buffer, o: number): number {
  return writeSync(fd, b, o, b.length - o);
}

function fstatSizeOf(path: string): number {
  const fd = openSync(path, 'r');
  try {
    return fstatSync(fd).size;
  } finally {
    closeSync(fd);
  }
}

/** The header and last link of an existing chain, or undefined when it cannot be continued. */
function readTail(
  side: string,
):
  | { header: ChainHeader; text: string; end: number; link: string; count: number; bytes: number }
  | undefined {
  const lines = readFileSync(side, 'utf8').split('\n');
  const first = lines[0] ?? '';
  const header = parseHeader(first);
  if (!header) return undefined;
  const text = `${first}\n`;
  let end = 0;
  let link = genesis(text);
  let count = 0;
  let bytes = Buffer.byteLength(text);
  // A torn last line (a crash inside its write) is not a record: the chain ends before it.
  // The last element is what follows the last newline: empty, or a torn line.
  for (const line of lines.slice(1, -1)) {
    const r = parseChainLine(line);
    if (!r) break;
    if (r.kind === 'close') return undefined;
    if (r.offset !== end) return undefined;
    end = r.offset + r.length;
    link = r.link;
    count++;
    bytes += line.length + 1;
  }
  return { header, text, end, link, count, bytes };
}
