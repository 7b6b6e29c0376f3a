/**
 * What the file sink says about failing writes: one error at the first failure (not one per batch
 * or event), a summary while it goes on, and one line when writing works again. What was lost
 * meanwhile is counted by the pipeline and reported in-stream as audit.loss (disk_full).
 */
import type { Logger } from '../../core/log.js';

/** While failures go on, a summary at most this often. */
const SUMMARY_MS = 60_000;

export class WriteFailures {
  private since: number | undefined;
  private lastSummary = 0;
  private attempts = 0;
  private lastError = '';
  private syncWarned = false;

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A write failed; `held` events wait for the pipeline's retry. */
  failed(err: unknown, noSpace: boolean, held: number): void {
    const now = this.now();
    this.attempts++;
    this.lastError = String(err);
    if (this.since === undefined) {
      this.since = now;
      this.lastSummary = now;
      this.logger.error(
        noSpace
          ? 'file sink: disk full, cannot write the audit file; events are held and retried, what the queue cannot hold is lost (audit.loss reason disk_full)'
          : 'file sink: cannot write the audit file; events are held and retried',
        { path: this.path, error: this.lastError, held },
      );
      return;
    }
    if (now - this.lastSummary >= SUMMARY_MS) {
      this.lastSummary = now;
      this.logger.warn('file sink: still cannot write the audit file', {
        path: this.path,
        error: this.lastError,
        failed_writes: this.attempts,
        for_s: Math.round((now - this.since) / 1000),
      });
    }
  }

  /** A write went through: if writes were failing, say that they work again. */
  recovered(): void {
    if (this.since === undefined) return;
    this.logger.warn('file sink: writing the audit file again', {
      path: this.path,
      failed_writes: this.attempts,
      for_s: Math.round((this.now() - this.since) / 1000),
      last_error: this.lastError,
    });
    this.since = undefined;
    this.attempts = 0;
  }

  syncFailed(err: unknown): void {
    if (this.syncWarned) return;
    this.syncWarned = true;
    this.logger.error('file sink: fsync failed (further fsync failures are not logged)', {
      path: this.path,
      error: String(err),
    });
  }
}
