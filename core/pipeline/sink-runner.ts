/**
 * One sink's share of the pipeline: its bounded queue, batching, sending with a timeout, retries
 * with jittered backoff, and the accounting of every event it accepted. Invariant, true between
 * any two turns of the event loop: accepted = sent + dropped + queued (queued includes the
 * batches being sent). Nothing here ever blocks a producer: `enqueue` is synchronous and O(1).
 * Up to `max_in_flight` batches are delivered at once, each with its own retries: while one waits
 * for its acknowledgement, the next is already on its way (batches may then arrive out of order;
 * `seq` still tells every gap, since each event is either delivered or counted as dropped).
 */

import type { AuditEvent, LossReason } from '../events/event.js';
import { eventJson } from '../events/json.js';
import type { Logger } from '../log.js';
import type { EventOutcome, Sink } from '../sinks/sink.js';
import type { SinkSettings } from './options.js';
import { Ring } from './ring.js';
import { SendGate } from './send.js';

/**
 * The shortest wait before a retry, and the shortest gap between two retries of one sink across
 * all its batches in flight: whatever the configured backoff, a sink failing every send costs at
 * most 1000 / MIN_RETRY_GAP_MS retries a second (docs/design.md).
 */
export const MIN_RETRY_GAP_MS = 50;

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

/** One batch being delivered: the events of it not yet sent or dropped. */
interface Delivery {
  pending: readonly AuditEvent[];
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
  /** Deliveries under way, oldest first, and how many events they hold in all. */
  private readonly deliveries = new Set<Delivery>();
  private inflight = 0;
  private readonly maxInFlight: number;
  private closing = false;
  private halted = false;
  private lingerExpired = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly halt = new AbortController();
  private readonly gate: SendGate;
  /**
   * The cause the sink gave with its latest retries (e.g. disk_full), cleared by the next event
   * it sends: events lost meanwhile (queue full, retries exhausted) are lost to that cause.
   */
  private stalledBy: LossReason | undefined;
  /** performance.now() before which no further retry of this sink starts (see retryDelay). */
  private nextRetryAt = 0;

  constructor(
    readonly settings: SinkSettings,
    readonly sink: Sink,
    private readonly onDrop: DropListener,
    private readonly logger: Logger,
  ) {
    this.name = settings.name;
    this.source = `sink:${settings.name}`;
    this.ring = new Ring(settings.buffer.max_events);
    this.maxInFlight = settings.max_in_flight;
    // Requests still running after their timeout count against the same cap (at least two, so
    // that one abandoned request does not stop a single-batch sink), so they cannot pile up.
    this.gate = new SendGate(
      sink,
      settings.request_timeout_ms,
      this.halt.signal,
      Math.max(2, settings.max_in_flight),
    );
  }

  get queued(): number {
    return this.ring.size + this.inflight;
  }

  /** Whether another batch may start now. */
  private get hasSlot(): boolean {
    return this.deliveries.size < this.maxInFlight;
  }

  accepts(type: string): boolean {
    return type === 'audit.loss' || this.settings.types === undefined || this.settings.types.has(type);
  }

  /** Whether the next (non-loss) event would be dropped on arrival: full, drop_newest. */
  dropsNext(): boolean {
    return (
      this.halted ||
      (this.settings.buffer.when_full === 'drop_newest' &&
        this.ring.size + this.inflight >= this.settings.buffer.max_events)
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
    if (this.ring.size + this.inflight >= this.settings.buffer.max_events) {
      if ((this.settings.buffer.when_full === 'drop_newest' && !isLoss) || this.ring.size === 0) {
        this.drop([event], 'queue_full');
        return;
      }
      this.drop([this.ring.shift() as AuditEvent], 'queue_full');
    }
    this.ring.push(event);
    if (!this.hasSlot) return; // the next delivery to finish takes it
    if (this.ring.size >= this.settings.batch.max_events || this.closing) {
      this.immediate ??= setImmediate(this.kick);
    } else if (this.timer === undefined) {
      this.armTimer();
    }
  }

  private readonly kick = (): void => {
    this.immediate = undefined;
    this.pump();
  };

  private armTimer(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lingerExpired = true;
      this.pump();
    }, this.settings.batch.timeout_ms);
    this.timer.unref();
  }

  private drop(events: readonly AuditEvent[], why: LossReason): void {
    if (events.length === 0) return;
    const reason =
      this.stalledBy !== undefined && (why === 'queue_full' || why === 'retries_exhausted')
        ? this.stalledBy
        : why;
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
      const len = eventJson(this.ring.peek() as AuditEvent).length + 1;
      if (batch.length && bytes + len > max_bytes) break;
      bytes += len;
      batch.push(this.ring.shift() as AuditEvent);
    }
    return batch;
  }

  /** Starts deliveries while slots are free and batches are ready; never waits. */
  private pump(): void {
    while (!this.halted && this.ring.size && this.hasSlot) {
      if (this.ring.size < this.settings.batch.max_events && !this.closing && !this.lingerExpired) {
        if (this.timer === undefined) this.armTimer();
        return;
      }
      this.lingerExpired = false;
      const d: Delivery = { pending: this.take() };
      this.deliveries.add(d);
      this.inflight += d.pending.length;
      void this.run(d);
    }
    this.notifyIdle();
  }

  private async run(d: Delivery): Promise<void> {
    try {
      await this.deliver(d);
    } catch (err) {
      this.logger.error('pipeline: sink delivery loop failed (a bug); its events are counted as rejected', {
        sink: this.name,
        error: String(err),
      });
      if (this.deliveries.has(d)) {
        // Counted, not forgotten: the invariant holds even through a bug.
        this.inflight -= d.pending.length;
        const lost = d.pending;
        d.pending = [];
        this.drop(lost, 'rejected');
      }
    } finally {
      if (this.deliveries.delete(d)) this.inflight -= d.pending.length;
      this.pump();
    }
  }

  private notifyIdle(): void {
    if ((this.queued === 0 && this.deliveries.size === 0) || this.halted)
      for (const w of this.idleWaiters.splice(0)) w();
  }

  private async deliver(d: Delivery): Promise<void> {
    let pending = d.pending;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.retries += pending.length;
      const result = await this.gate.send(pending);
      if (this.halted) return; // abandon() has already counted everything in flight.
      const retry: AuditEvent[] = [];
      const rejected = new Map<LossReason, AuditEvent[]>();
      let retryAfter = 0;
      let sent = 0;
      let stalledBy: LossReason | undefined;
      const apply = (ev: AuditEvent, o: EventOutcome) => {
        if (o.status === 'sent') sent++;
        else if (o.status === 'retry') {
          retry.push(ev);
          if (o.reason !== undefined) stalledBy = o.reason;
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
      if (stalledBy !== undefined) this.stalledBy = stalledBy;
      else if (sent > 0 || retry.length === 0) this.stalledBy = undefined;
      // Account for the whole attempt at once so the invariant holds between turns.
      this.inflight += retry.length - pending.length;
      d.pending = retry;
      this.sent += sent;
      for (const [reason, evs] of rejected) this.drop(evs, reason);
      if (retry.length === 0) return;
      const max = this.settings.retry.max_attempts;
      if (max > 0 && attempt >= max) {
        this.inflight -= retry.length;
        d.pending = [];
        this.drop(retry, 'retries_exhausted');
        return;
      }
      await this.sleep(this.retryDelay(attempt, retryAfter));
      if (this.halted) return;
      pending = retry;
    }
  }

  /**
   * Full-jitter exponential backoff, at least what the sink asked for (capped at max_ms), and
   * never under MIN_RETRY_GAP_MS: full jitter alone comes out near 0 ms, and a sink that fails
   * at once then retried in a loop that starved the event loop (and every login with it).
   */
  private backoff(attempt: number, retryAfter: number): number {
    const { initial_ms, max_ms } = this.settings.retry;
    const cap = Math.min(max_ms, initial_ms * 2 ** Math.min(attempt - 1, 30));
    return Math.max(MIN_RETRY_GAP_MS, Math.random() * cap, Math.min(retryAfter, max_ms));
  }

  /**
   * How long this retry waits: its backoff, and then the sink's next free retry slot, slots being
   * MIN_RETRY_GAP_MS apart, so that max_in_flight batches retrying at once share one retry rate.
   */
  private retryDelay(attempt: number, retryAfter: number): number {
    const now = performance.now();
    const at = Math.max(now + this.backoff(attempt, retryAfter), this.nextRetryAt);
    this.nextRetryAt = at + MIN_RETRY_GAP_MS;
    return at - now;
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
    if (this.queued === 0 && this.deliveries.size === 0) return Promise.resolve();
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.pump();
    return idle;
  }

  /** Shutdown's deadline passed: stop sending and count everything still queued as lost. */
  abandon(): void {
    if (this.halted) return;
    this.halted = true;
    this.halt.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    const left: AuditEvent[] = [];
    for (const d of this.deliveries) {
      for (const e of d.pending) left.push(e);
      d.pending = [];
    }
    this.deliveries.clear();
    this.inflight = 0;
    for (const e of this.ring.drain()) left.push(e);
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
