/**
 * The file sink: NDJSON, one event per line, the default local record at
 * <data dir>/events/audit.ndjson. Each batch is one write; the pipeline's batch timeout (at most
 * a second by default) bounds how long an event waits before it is written.
 */
import { join } from 'node:path';
import { preserialised } from '../../core/events/json.js';
import {
  type AuditEvent,
  defineSinkType,
  SENT,
  type SendResult,
  type Sink,
  type SinkContext,
} from '../../core/sinks/sink.js';
import { type FileSinkOptions, fileConfigSchema } from './config.js';
import { RotatingFile } from './rotating-file.js';

/**
 * Encodes batches as NDJSON bytes, each event's JSON written straight into one buffer: cheaper
 * than concatenating a batch-sized string and encoding it (about 2x here). The buffer is reused
 * from batch to batch once its write is done, so big batches do not churn external memory.
 */
export class BatchEncoder {
  private spare: Buffer | undefined;

  encode(batch: readonly AuditEvent[]): Buffer {
    let units = 0;
    const parts = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const s = preserialised(batch[i] as AuditEvent);
      parts[i] = s;
      units += s.length + 1;
    }
    // UTF-8 needs at most 3 bytes per UTF-16 unit, so this never truncates.
    const need = units * 3;
    let buf = this.spare;
    this.spare = undefined;
    if (!buf || buf.length < need) buf = Buffer.allocUnsafe(Math.max(need, 64 * 1024));
    let o = 0;
    for (let i = 0; i < parts.length; i++) {
      o += buf.write(parts[i] as string, o);
      buf[o++] = 10;
    }
    return buf.subarray(0, o);
  }

  /** Hands a buffer back once nothing reads it any more. */
  release(bytes: Buffer): void {
    this.spare = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset);
  }
}

export function createFileSink(options: FileSinkOptions, ctx: SinkContext): Sink {
  const path = options.path ?? join(ctx.dataDir, 'events', 'audit.ndjson');
  const file = new RotatingFile(path, {
    maxBytes: options.rotate?.max_bytes ?? 104857600,
    maxAgeMs: (options.rotate?.max_age_s ?? 86400) * 1000,
    keep: options.rotate?.keep ?? 10,
    privateDir: options.path === undefined,
  });
  const policy = options.fsync ?? 'interval';
  const encoder = new BatchEncoder();
  let syncTimer: NodeJS.Timeout | undefined;
  if (policy === 'interval') {
    syncTimer = setInterval(() => {
      file
        .sync()
        .catch((err: unknown) => ctx.logger.warn('file sink: fsync failed', { path, error: String(err) }));
    }, options.fsync_interval_ms ?? 1000);
    syncTimer.unref();
  }
  return {
    name: ctx.name,
    async send(batch): Promise<SendResult> {
      try {
        const bytes = encoder.encode(batch);
        await file.append(bytes);
        encoder.release(bytes);
        if (policy === 'always') await file.sync();
        return SENT;
      } catch (err) {
        // Disk full, I/O errors: transient from here; the pipeline retries and counts.
        return { kind: 'batch', outcome: { status: 'retry', error: String(err) } };
      }
    },
    async close() {
      if (syncTimer) clearInterval(syncTimer);
      try {
        // fsync: never leaves durability to the OS, at close too.
        if (policy !== 'never') await file.sync();
      } finally {
        file.close();
      }
    },
  };
}

export const fileSinkType = defineSinkType<FileSinkOptions>({
  type: 'file',
  description: 'Appends events as NDJSON to a local file, rotated by size and age.',
  configSchema: fileConfigSchema,
  create: createFileSink,
});
