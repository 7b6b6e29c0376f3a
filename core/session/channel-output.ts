/**
 * Writes a session's stdout and stderr to its channel one chunk at a time, in order. ssh2's
 * WINDOW_ADJUST handler resumes only one of stdout/stderr when both wait for window (an else-if
 * in lib/server.js), so a stderr chunk written while stdout waited was never sent and the
 * session hung (seen under load with `... | tee >(sha256sum >&2)`). With one chunk in flight at a
 * time they never wait together. `write` returns false past HIGH_WATER: pause the producer and
 * resume on `onDrain`.
 */
import type { Writable } from 'node:stream';

const HIGH_WATER = 1024 * 1024;

export class ChannelOutput {
  private readonly queue: [Writable, Buffer][] = [];
  private queued = 0;
  private inFlight = false;
  private drainWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  write(target: Writable, data: Buffer): boolean {
    this.queue.push([target, data]);
    this.queued += data.length;
    this.pump();
    return this.queued < HIGH_WATER;
  }

  onDrain(cb: () => void): void {
    if (this.queued < HIGH_WATER) cb();
    else this.drainWaiters.push(cb);
  }

  /** Resolves when every chunk was handed to ssh2 (sent, within the client's window). */
  idle(): Promise<void> {
    if (!this.inFlight && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    if (this.inFlight) return;
    const next = this.queue.shift();
    if (!next) {
      for (const f of this.idleWaiters.splice(0)) f();
      return;
    }
    const [target, data] = next;
    this.inFlight = true;
    const done = () => {
      this.inFlight = false;
      this.queued -= data.length;
      if (this.queued < HIGH_WATER / 2) for (const f of this.drainWaiters.splice(0)) f();
      this.pump();
    };
    if (target.destroyed || target.writableEnded) done();
    else target.write(data, done);
  }
}
