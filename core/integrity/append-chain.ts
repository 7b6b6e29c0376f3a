/**
 * The hash chain of a file appended to by whole writes that are already on file when reported
 * (the file sink's audit file), across its rotations and the server's restarts: each rotated
 * file keeps the chain it was written with (the sidecar is renamed with it), and the new file
 * starts one of its own. A block ends every second or at 64 KiB, so a crash leaves at most about
 * a second unchained (adopted as a `gap` at the next start: writer.ts).
 */
import { rmSync } from 'node:fs';
import { CHAIN_SUFFIX } from './chain.js';
import { ChainWriter } from './writer.js';

const CUT_MS = 1000;

export class AppendChain {
  private w: ChainWriter;
  private end: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly path: string,
    private readonly onError: (err: Error) => void,
  ) {
    this.w = ChainWriter.resume(path, { onError });
    this.end = this.w.end;
    this.timer = setInterval(() => this.cut(), CUT_MS);
    this.timer.unref();
  }

  private cut(): void {
    this.w.cut();
    this.w.written(this.end);
    this.w.flush();
  }

  /** `bytes` are on file, right after what came before. */
  appended(bytes: Buffer): void {
    this.w.add(bytes);
    this.end += bytes.length;
    this.w.written(this.end);
  }

  /** The file was renamed to `to` and a new, empty one takes its path. */
  rotated(to: string): void {
    const old = this.w;
    old.renamed(to);
    void old.close(this.end);
    this.w = ChainWriter.resume(this.path, { onError: this.onError });
    this.end = this.w.end;
  }

  /** A rotated file was deleted (retention): its chain goes with it. */
  removed(path: string): void {
    rmSync(path + CHAIN_SUFFIX, { force: true });
  }

  /** The server stops: the chain stays open, for the next run to go on with. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.w.close(this.end, false);
  }
}
