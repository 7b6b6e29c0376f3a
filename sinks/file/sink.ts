/**
 * The file sink: NDJSON, one event per line, the default local record at
 * <data dir>/events/audit.ndjson. Each batch is one write; the pipeline's batch timeout (at most
 * a second by default) bounds how long an event waits before it is written.
 */
import { join } from 'node:path';
import { AppendChain } from '../../core/integrity/append-chain.js';
import {
  type AuditEvent,
  defineSinkType,
  type EventOutcome,
  SENT,
  type SendResult,
  type Sink,
  type SinkContext,
} from '../../core/sinks/sink.js';
import { type FileSinkOptions, fileConfigSchema } from './config.js';
import { NdjsonEncoder } from './encoder.js';
import { WriteFailures } from './failures.js';
import { AppendError, isNoSpace, RotatingFile } from './transport.js';

const SENT_ONE: EventOutcome = { status: 'sent' };

export function createFileSink(options: FileSinkOptions, ctx: SinkContext): Sink {
  const path = options.path ?? join(ctx.dataDir, 'events', 'audit.ndjson');
  // The audit file's hash chain (<file>.chain, docs/tamper-evidence.md); a chain that cannot be
  // written is logged: the events themselves still go to the file.
  let chain: AppendChain | undefined;
  const file = new RotatingFile(path, {
    observer: {
      appended: (b) => chain?.appended(b),
      rotated: (to) => chain?.rotated(to),
      removed: (p) => chain?.removed(p),
    },
    maxBytes: options.rotate.max_bytes,
    maxAgeMs: options.rotate.max_age_s * 1000,
    keep: options.rotate.keep,
    privateDir: options.path === undefined,
  });
  chain = new AppendChain(path, (err) =>
    ctx.logger.error('audit file chain not written', { path, err: err.message }),
  );
  const policy = options.fsync;
  const encoder = new NdjsonEncoder();
  const failures = new WriteFailures(path, ctx.logger);
  let syncTimer: NodeJS.Timeout | undefined;
  if (policy === 'interval') {
    syncTimer = setInterval(() => {
      file.sync().catch((err: unknown) => failures.syncFailed(err));
    }, options.fsync_interval_ms);
    syncTimer.unref();
  }
  /**
   * The lines the file kept (whole ones only: transport.ts cut the rest off) count as sent;
   * the rest are retried by the pipeline. Out of space, they are held with reason disk_full, so
   * what the queue cannot hold meanwhile is counted as lost to a full disk.
   */
  const failed = (batch: readonly AuditEvent[], bytes: Buffer, err: unknown): SendResult => {
    const kept = err instanceof AppendError ? linesIn(bytes, err.keptBytes) : 0;
    const noSpace = isNoSpace(err);
    failures.failed(err, noSpace, batch.length - kept);
    const retry: EventOutcome = {
      status: 'retry',
      error: String(err),
      ...(noSpace ? { reason: 'disk_full' as const } : {}),
    };
    if (kept === 0) return { kind: 'batch', outcome: retry };
    return { kind: 'each', outcomes: batch.map((_, i) => (i < kept ? SENT_ONE : retry)) };
  };
  return {
    name: ctx.name,
    local: true,
    async send(batch): Promise<SendResult> {
      const bytes = encoder.encode(batch);
      try {
        await file.append(bytes);
      } catch (err) {
        encoder.release(bytes);
        return failed(batch, bytes, err);
      }
      encoder.release(bytes);
      failures.recovered();
      if (policy === 'always') {
        // The lines are in the file: sending them again would duplicate them. A failed fsync
        // leaves their durability to the OS, which is worth a log line, not a retry.
        await file.sync().catch((err: unknown) => failures.syncFailed(err));
      }
      return SENT;
    },
    async close() {
      if (syncTimer) clearInterval(syncTimer);
      try {
        // fsync: never leaves durability to the OS, at close too.
        if (policy !== 'never') await file.sync();
      } finally {
        file.close();
        await chain?.close();
      }
    },
  };
}

/** Newlines in the first `n` bytes: whole events, one per line. */
function linesIn(bytes: Buffer, n: number): number {
  let lines = 0;
  for (let i = bytes.indexOf(10); i >= 0 && i < n; i = bytes.indexOf(10, i + 1)) lines++;
  return lines;
}

export const fileSinkType = defineSinkType<FileSinkOptions>({
  type: 'file',
  description: 'Appends events as NDJSON to a local file, rotated by size and age.',
  configSchema: fileConfigSchema,
  create: createFileSink,
});
