/**
 * One sink's share of the pipeline: its bounded queue, batching, sending with a timeout, retries
 * with jittered backoff, and the accounting of every event it accepted. Invariant, true between
 * any two turns of the event loop: accepted = sent + dropped + queued (queued includes the batch
 * being sent). Nothing here ever blocks a producer: `enqueue` is synchronous and O(1).
 */

import { seal } from '../events/json.js';
import type { Logger } from '../log.js';
import type { AuditEvent, EventOutcome, LossReason, Sink } from '../sinks/sink.js';
import type { SinkSettings } from './options.js';
import { Ring } from './ring.js';
import { SendGate } from './send.js';

export type DropListener = (sink: SinkRunner, events: readonly AuditEvent[], reason: LossReason) => void;

export interface SinkStats {
  name: string;
  type: string;
  accepted: number;
  sent: number;
  dropped: Partial<Record<LossReason, number>>;
  dropped_total: number;
  queued: number;
  capacity: number;
  retries: number;
}

export class SinkRunner {
  readonly name: string;
  readonly source: string;
  accepted = 0;
  sent = 0;
  retries = 0;
  droppedTotal = 0;
  readonly dropped: Partial<Record<LossReason, number>> = {};
  private readonly ring: Ring<AuditEvent>;
  private inflight: readonly AuditEvent[] = [];
  private busy = false;
  private closing = false;
  private halted = false;
  private lingerExpired = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly halt = new AbortController();
  private readonly gate: SendGate;

  constructor(
    readonly settings: SinkSettings,
    readonly sink: Sink,
    private readonly onDrop: DropListener,
    private readonly logger: Logger,
  ) {
    this.name = settings.name;
    this.source = `sink:${settings.name}`;
    this.ring = new Ring(settings.buffer.max_events);
    this.gate = new SendGate(sink, settings.request_timeout_ms, this.halt.signal);
  }

  get queued(): number {
    return this.ring.size + this.inflight.length;
  }

  accepts(type: string): boolean {
    return type === 'audit.loss' || this.settings.types === undefined || this.settings.types.has(type);
  }

  /** Whether the next (non-loss) event would be dropped on arrival: full, drop_newest. */
  dropsNext(): boolean {
    return (
      this.halted ||
      (this.settings.buffer.when_full === 'drop_newest' &&
        this.ring.size + this.inflight.length >= this.settings.buffer.max_events)
    );
  }

  /**
   * Queues one event or drops one, at once. Loss reports are never the ones dropped while the
   * queue holds any other waiting event: they evict the oldest waiting event instead (whose drop
   * the next report counts), so a full queue cannot hide its own losses.
   */
  enqueue(event: AuditEvent, isLoss = false): void {
    this.accepted++;
    if (this.halted) {
      this.drop([event], 'shutdown');
      return;
    }
    if (this.ring.size + this.inflight.length >= this.settings.buffer.max_events) {
      if ((this.settings.buffer.when_full === 'drop_newest' && !isLoss) || this.ring.size === 0) {
        this.drop([event], 'queue_full');
        return;
      }
      this.drop([this.ring.shift() as AuditEvent], 'queue_full');
    }
    this.ring.push(event);
    if (this.busy) return;
    if (this.ring.size >= this.settings.batch.max_events || this.closing) {
      this.immediate ??= setImmediate(this.kick);
    } else if (this.timer === undefined) {
      this.armTimer();
    }
  }

  private readonly kick = (): void => {
    this.immediate = undefined;
    void this.pump();
  };

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lingerExpired = true;
      void this.pump();
    }, this.settings.batch.timeout_ms);
    this.timer.unref();
  }

  private drop(events: readonly AuditEvent[], reason: LossReason): void {
    if (events.length === 0) return;
    this.droppedTotal += events.length;
    this.dropped[reason] = (this.dropped[reason] ?? 0) + events.length;
    this.onDrop(this, events, reason);
  }

  /** Takes the next batch off the queue: up to max_events and max_bytes (at least one event). */
  private take(): AuditEvent[] {
    const { max_events, max_bytes } = this.settings.batch;
    const batch: AuditEvent[] = [];
    let bytes = 0;
    while (this.ring.size && batch.length < max_events) {
      // Serialised (and frozen) here, as it leaves the queue: dropped events never pay for it.
      const len = seal(this.ring.peek() as AuditEvent).length + 1;
      if (batch.length && bytes + len > max_bytes) break;
      bytes += len;
      batch.push(this.ring.shift() as AuditEvent);
    }
    return batch;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.halted && this.ring.size) {
        if (this.ring.size < this.settings.batch.max_events && !this.closing && !this.lingerExpired) {
          if (this.timer === undefined) this.armTimer();
          break;
        }
        this.lingerExpired = false;
        const batch = this.take();
        this.inflight = batch;
        await this.deliver(batch);
      }
    } catch (err) {
      this.logger.error('pipeline: sink delivery loop failed (a bug)', {
        sink: this.name,
        error: String(err),
      });
    } finally {
      this.busy = false;
      if (this.queued === 0 || this.halted) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async deliver(batch: readonly AuditEvent[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.retries += pending.length;
      const result = await this.gate.send(pending);
      if (this.halted) return; // abandon() has already counted everything in flight.
      const retry: AuditEvent[] = [];
      const rejected = new Map<LossReason, AuditEvent[]>();
      let retryAfter = 0;
      let sent = 0;
      const apply = (ev: AuditEvent, o: EventOutcome) => {
        if (o.status === 'sent') sent++;
        else if (o.status === 'retry') {
          retry.push(ev);
          if (o.retryAfterMs !== undefined && o.retryAfterMs > retryAfter) retryAfter = o.retryAfterMs;
        } else {
          const reason = o.reason ?? 'rejected';
          const list = rejected.get(reason);
          if (list) list.push(ev);
          else rejected.set(reason, [ev]);
        }
      };
      if (result instanceof Error) {
        this.logger.warn('sink send failed; will retry', {
          sink: this.name,
          events: pending.length,
          error: result.message,
        });
        for (const ev of pending) retry.push(ev);
      } else if (result.kind === 'batch') {
        for (const ev of pending) apply(ev, result.outcome);
      } else if (result.outcomes.length !== pending.length) {
        this.logger.error(
          'sink returned the wrong number of outcomes (a bug in the sink); retrying the batch',
          {
            sink: this.name,
            expected: pending.length,
            got: result.outcomes.length,
          },
        );
        for (const ev of pending) retry.push(ev);
      } else {
        for (let i = 0; i < pending.length; i++)
          apply(pending[i] as AuditEvent, result.outcomes[i] as EventOutcome);
      }
      // Account for the whole attempt at once so the invariant holds between turns.
      this.inflight = retry;
      this.sent += sent;
      for (const [reason, evs] of rejected) this.drop(evs, reason);
      if (retry.length === 0) return;
      const max = this.settings.retry.max_attempts;
      if (max > 0 && attempt >= max) {
        this.inflight = [];
        this.drop(retry, 'retries_exhausted');
        return;
      }
      await this.sleep(this.backoff(attempt, retryAfter));
      if (this.halted) return;
      pending = retry;
    }
  }

  /** Full-jitter exponential backoff, at least what the sink asked for (capped at max_ms). */
  private backoff(attempt: number, retryAfter: number): number {
    const { initial_ms, max_ms } = this.settings.retry;
    const cap = Math.min(max_ms, initial_ms * 2 ** Math.min(attempt - 1, 30));
    return Math.max(Math.random() * cap, Math.min(retryAfter, max_ms));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.halted) return resolve();
      const done = () => {
        clearTimeout(t);
        this.halt.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.halt.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Sends everything queued now, without waiting for batches to fill; resolves when empty. */
  drain(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued === 0 && !this.busy) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    void this.pump();
    return idle;
  }

  /** Shutdown's deadline passed: stop sending and count everything still queued as lost. */
  abandon(): void {
    if (this.halted) return;
    this.halted = true;
    this.halt.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    const left = [...this.inflight, ...this.ring.drain()];
    this.inflight = [];
    this.drop(left, 'shutdown');
    for (const w of this.idleWaiters.splice(0)) w();
  }

  stats(): SinkStats {
    return {
      name: this.name,
      type: this.settings.type,
      accepted: this.accepted,
      sent: this.sent,
      dropped: { ...this.dropped },
      dropped_total: this.droppedTotal,
      queued: this.queued,
      capacity: this.settings.buffer.max_events,
      retries: this.retries,
    };
  }
}
