/**
 * Indexer acknowledgement: one poller per sink asks /services/collector/ack for every pending
 * ackId in one request every poll_ms. Each waiter resolves true when acked, false when
 * timeout_ms passes first (the caller counts those events as lost: ack_timeout). The timer is
 * unref'd and runs only while something is pending.
 */
import { type HecTransport, parseReply } from './transport.js';

interface Pending {
  deadline: number;
  resolve: (acked: boolean) => void;
}

export class AckPoller {
  private readonly pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly transport: HecTransport,
    private readonly channel: string,
    private readonly pollMs: number,
    private readonly timeoutMs: number,
  ) {}

  wait(ackId: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      this.pending.set(ackId, { deadline: Date.now() + this.timeoutMs, resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll();
    }, this.pollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const ids = [...this.pending.keys()];
      if (ids.length > 0) {
        try {
          const reply = await this.transport.request(
            'POST',
            `/services/collector/ack?channel=${encodeURIComponent(this.channel)}`,
            JSON.stringify({ acks: ids }),
            AbortSignal.timeout(Math.max(this.pollMs * 5, 5000)),
          );
          const acks = parseReply(reply.body)?.acks ?? {};
          for (const id of ids) {
            if (acks[String(id)] === true) this.settle(id, true);
          }
        } catch {
          // Unreachable right now: keep waiting until each ack's deadline.
        }
      }
      const now = Date.now();
      for (const [id, p] of this.pending) if (now >= p.deadline) this.settle(id, false);
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  private settle(id: number, acked: boolean): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.resolve(acked);
  }

  /** Ends every wait as not acked (shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const id of [...this.pending.keys()]) this.settle(id, false);
  }
}
