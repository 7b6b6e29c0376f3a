/**
 * Drop accounting. Every lost event is recorded here by source ("sink:<name>", "pipeline", or a
 * producer's "bpf:<program>") and reason: totals for metrics and stats, and a window of counts
 * since the last report, which the pipeline turns into audit.loss events.
 */
import type { LossReason } from '../events/event.js';

export interface LossWindow {
  source: string;
  reason: LossReason;
  count: number;
  window_start: string;
}

export class LossLedger {
  private readonly window = new Map<string, LossWindow>();
  private readonly totals = new Map<string, Map<LossReason, number>>();
  private windowStart: string;

  constructor(private readonly now: () => string) {
    this.windowStart = now();
  }

  record(source: string, reason: LossReason, count: number): void {
    if (count <= 0) return;
    const key = `${source}\u0000${reason}`;
    const w = this.window.get(key);
    if (w) w.count += count;
    else this.window.set(key, { source, reason, count, window_start: this.windowStart });
    let bySource = this.totals.get(source);
    if (!bySource) {
      bySource = new Map();
      this.totals.set(source, bySource);
    }
    bySource.set(reason, (bySource.get(reason) ?? 0) + count);
  }

  /** Counts a loss someone else already reported in-stream (a producer's own audit.loss). */
  recordTotalOnly(source: string, reason: LossReason, count: number): void {
    let bySource = this.totals.get(source);
    if (!bySource) {
      bySource = new Map();
      this.totals.set(source, bySource);
    }
    bySource.set(reason, (bySource.get(reason) ?? 0) + count);
  }

  /** Counts since the last call, with the window they cover; starts a new window. */
  take(): { windows: LossWindow[]; window_end: string } {
    const window_end = this.now();
    const windows = [...this.window.values()];
    this.window.clear();
    this.windowStart = window_end;
    return { windows, window_end };
  }

  pending(): number {
    let n = 0;
    for (const w of this.window.values()) n += w.count;
    return n;
  }

  total(source: string): Partial<Record<LossReason, number>> {
    return Object.fromEntries(this.totals.get(source) ?? []);
  }

  allTotals(): { source: string; reason: LossReason; count: number }[] {
    const out: { source: string; reason: LossReason; count: number }[] = [];
    for (const [source, m] of this.totals)
      for (const [reason, count] of m) out.push({ source, reason, count });
    return out;
  }
}
