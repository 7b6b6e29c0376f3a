/**
 * One send to a sink, raced against the request timeout and shutdown's deadline: the sink gets
 * an AbortSignal and is expected to honour it, but a sink that does not cannot hold the pipeline.
 * Its abandoned sends are counted; while too many are still outstanding, the next send waits
 * for one to settle rather than piling requests onto a sink that does not answer.
 */
import type { AuditEvent, SendResult, Sink } from '../sinks/sink.js';

/** What one attempt came to: the sink's answer, or the error (thrown, timed out, shut down). */
export type Attempt = SendResult | Error;

export class SendGate {
  private outstanding = 0;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly sink: Sink,
    private readonly timeoutMs: number,
    private readonly halt: AbortSignal,
    /** One current send plus abandoned ones still running. */
    private readonly maxOutstanding = 2,
  ) {}

  /** Never throws. */
  async send(batch: readonly AuditEvent[]): Promise<Attempt> {
    while (this.outstanding >= this.maxOutstanding && !this.halt.aborted) await this.nextSettle();
    if (this.halt.aborted) return new Error('shutdown deadline passed');
    const ac = new AbortController();
    const timer = setTimeout(
      () => ac.abort(new Error(`request timed out after ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    timer.unref();
    const onHalt = () => ac.abort(new Error('shutdown deadline passed'));
    this.halt.addEventListener('abort', onHalt, { once: true });
    this.outstanding++;
    let sending: Promise<SendResult>;
    try {
      sending = Promise.resolve(this.sink.send(batch, ac.signal));
    } catch (err) {
      sending = Promise.reject(err);
    }
    const settled: Promise<Attempt> = sending
      .then(
        (r) => r,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      )
      .finally(() => {
        this.outstanding--;
        for (const w of this.waiters.splice(0)) w();
      });
    const aborted = new Promise<Attempt>((resolve) => {
      ac.signal.addEventListener('abort', () => resolve(ac.signal.reason as Error), { once: true });
    });
    try {
      return await Promise.race([settled, aborted]);
    } finally {
      clearTimeout(timer);
      this.halt.removeEventListener('abort', onHalt);
    }
  }

  private nextSettle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.halt.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      this.halt.addEventListener('abort', done, { once: true });
    });
  }
}
