/**
 * Audits one SFTP session: both directions of the channel go through an SftpTracker on their way
 * between the client and sftp-server, and each record it makes becomes a session.sftp event. The
 * tap only looks: the bytes are forwarded by the session whatever happens here, and a fault in
 * the tracker (a bug, not a bad packet: those it skips itself) ends the auditing of this stream
 * with one log line, never the session or the server.
 */
import type { AuditEmitter, SessionContext } from '../events/emitter.js';
import type { FieldsOf } from '../events/event.js';
import type { Logger } from '../log.js';
import { type SftpRecord, SftpTracker } from '../sftp/tracker.js';

export class SftpTap {
  private readonly tracker: SftpTracker;
  private failed = false;
  private reportedStop = false;

  constructor(
    emitter: AuditEmitter,
    private readonly ctx: SessionContext,
    private readonly log: Logger,
  ) {
    this.tracker = new SftpTracker((r) => emitter.emit('session.sftp', toFields(r), ctx));
  }

  /** Bytes from the client, towards sftp-server. */
  client(data: Buffer): void {
    this.guard(() => this.tracker.client(data));
  }

  /** Bytes from sftp-server (its stdout), towards the client. */
  server(data: Buffer): void {
    this.guard(() => this.tracker.server(data));
  }

  /** The stream is over: handles left open are reported. */
  end(): void {
    this.guard(() => this.tracker.end());
    const { stats } = this.tracker;
    if (stats.untracked > 0)
      this.log.warn('sftp: requests not followed (too many outstanding)', { untracked: stats.untracked });
  }

  private guard(step: () => void): void {
    if (this.failed) return;
    try {
      step();
    } catch (err) {
      this.failed = true;
      this.log.error('sftp: auditing of this stream stopped after an internal error', { err: String(err) });
      return;
    }
    const stopped = this.tracker.stats.stopped;
    if (stopped !== undefined && !this.reportedStop) {
      this.reportedStop = true;
      this.log.warn('sftp: the stream is not SFTP as expected; no further session.sftp events from it', {
        reason: stopped,
        session_id: this.ctx.session_id,
      });
    }
  }
}

function toFields(r: SftpRecord): FieldsOf<'session.sftp'> {
  if (r.action === 'file') {
    const f: FieldsOf<'session.sftp'> = {
      action: 'file',
      path: r.path,
      flags: r.flags as NonNullable<FieldsOf<'session.sftp'>['flags']>,
      bytes_read: r.bytes_read,
      bytes_written: r.bytes_written,
      sequential: r.sequential,
      result: r.result,
    };
    if (r.sha256 !== undefined) f.sha256 = r.sha256;
    return f;
  }
  const f: FieldsOf<'session.sftp'> = { action: r.action, path: r.path, result: r.result };
  if (r.target !== undefined) f.target = r.target;
  if (r.attrs !== undefined) f.attrs = r.attrs;
  return f;
}
