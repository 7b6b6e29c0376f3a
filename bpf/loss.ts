/**
 * Ring-full losses, from the kernel's counters to audit.loss events. Every record a program could
 * not put in its ring is counted twice in the kernel: per CPU (the totals, for metrics) and in the
 * session's monitored_cgroups entry, so each loss is reported in the stream of the session it
 * belongs to, with source "bpf:<program>" and reason ring_full.
 */
import type { AuditEmitter, SessionContext } from '../core/events/emitter.js';
import { programs } from './native.js';

/** The schemas' time format: RFC 3339 UTC with nine fraction digits. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

interface Tracked {
  ctx: SessionContext;
  reported: number[];
  windowStart: Date;
}

export class LossReporter {
  private readonly tracked = new Map<bigint, Tracked>();
  /** Records lost and reported as audit.loss, per program. */
  readonly reported: Record<string, number> = { command: 0, disk: 0, network: 0 };

  constructor(
    private readonly emitter: AuditEmitter,
    private readonly read: (cgroupId: bigint) => readonly number[] | null,
  ) {}

  track(cgroupId: bigint, ctx: SessionContext): void {
    this.tracked.set(cgroupId, { ctx, reported: programs.map(() => 0), windowStart: new Date() });
  }

  /** Emits audit.loss for what the kernel counted since the last check; one session or all. */
  check(only?: bigint): void {
    const ids = only === undefined ? [...this.tracked.keys()] : [only];
    for (const id of ids) {
      const t = this.tracked.get(id);
      const counts = t && this.read(id);
      if (!t || !counts) continue;
      const now = new Date();
      let any = false;
      programs.forEach((name, i) => {
        const delta = (counts[i] ?? 0) - (t.reported[i] ?? 0);
        if (delta <= 0) return;
        any = true;
        t.reported[i] = counts[i] ?? 0;
        this.reported[name] = (this.reported[name] ?? 0) + delta;
        this.emitter.emit(
          'audit.loss',
          {
            source: `bpf:${name}`,
            reason: 'ring_full',
            count: delta,
            window_start: rfc3339(t.windowStart),
            window_end: rfc3339(now),
          },
          t.ctx,
        );
      });
      if (any) t.windowStart = now;
    }
  }

  untrack(cgroupId: bigint): void {
    this.tracked.delete(cgroupId);
  }
}
