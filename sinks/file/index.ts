/**
 * The file sink: NDJSON, one event per line, the default local record at
 * <data dir>/events/audit.ndjson. Each batch is one write; the pipeline's batch timeout (at most
 * a second by default) bounds how long an event waits before it is written.
 */
import { join } from 'node:path';
import { preserialised } from '../../core/events/json.js';
import {
  type AuditEvent,
  SENT,
  type SendResult,
  type Sink,
  type SinkContext,
  type SinkType,
} from '../../core/sinks/sink.js';
import { type FileSinkOptions, fileConfigSchema } from './config.js';
import { RotatingFile } from './rotating-file.js';

export function encodeBatch(batch: readonly AuditEvent[]): string {
  let out = '';
  for (let i = 0; i < batch.length; i++) out += `${preserialised(batch[i] as AuditEvent)}\n`;
  return out;
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
        await file.append(encodeBatch(batch));
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
        await file.sync();
      } finally {
        file.close();
      }
    },
  };
}

export const fileSinkType: SinkType<FileSinkOptions> = {
  type: 'file',
  description: 'Appends events as NDJSON to a local file, rotated by size and age.',
  configSchema: fileConfigSchema,
  create: createFileSink,
};
