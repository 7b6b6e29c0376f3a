/**
 * RFC 5424 messages, octet-counted (RFC 6587 3.4.1):
 *   LEN SP <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [meta sequenceId="N"][sd_id ...] MSG
 * TIMESTAMP keeps at most 6 fraction digits (RFC 5424's TIME-SECFRAC limit); the full-precision
 * time stays in the JSON MSG. sequenceId counts messages per sink from 1 and wraps after 2^31-1.
 */
import { preserialised } from '../../core/events/json.js';
import type { AuditEvent } from '../../core/sinks/sink.js';
import { FACILITIES, type ResolvedSyslogOptions } from './config.js';

const SEVERITY_INFO = 6;
const SEVERITY_NOTICE = 5;
const SEVERITY_WARNING = 4;

function severityOf(type: string): number {
  if (type === 'audit.loss') return SEVERITY_WARNING;
  if (type === 'auth.failure') return SEVERITY_NOTICE;
  return SEVERITY_INFO;
}

/** PRINTUSASCII without spaces, at most `max` characters; "-" when empty. */
function headerField(v: string | undefined, max: number): string {
  const s = (v ?? '').replace(/[^!-~]/g, '_').slice(0, max);
  return s.length > 0 ? s : '-';
}

/** SD-PARAM value escaping: '"', '\' and ']' are backslash-escaped. */
function sdValue(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

export function syslogTimestamp(time: string): string {
  return time.replace(/\.(\d{1,6})\d*/, '.$1');
}

export class Encoder {
  private sequence = 0;
  private readonly facility: number;
  private readonly procid = String(process.pid);

  constructor(private readonly o: ResolvedSyslogOptions) {
    this.facility = FACILITIES[o.facility];
  }

  /** One message without framing. */
  message(e: AuditEvent): string {
    this.sequence = this.sequence >= 2147483647 ? 1 : this.sequence + 1;
    const pri = this.facility * 8 + severityOf(e.type);
    let sd = `[meta sequenceId="${this.sequence}"][${this.o.sd_id} type="${sdValue(e.type)}" seq="${e.seq}"`;
    if (e.session_id) sd += ` session_id="${sdValue(e.session_id)}"`;
    if (typeof e.login === 'string') sd += ` login="${sdValue(e.login)}"`;
    sd += ']';
    return `<${pri}>1 ${syslogTimestamp(e.time)} ${headerField(e.hostname, 255)} ${headerField(this.o.app_name, 48)} ${this.procid} ${headerField(e.type, 32)} ${sd} ${preserialised(e)}`;
  }

  /** The batch as one buffer of octet-counted frames, each message written into it once. */
  frames(batch: readonly AuditEvent[]): Buffer {
    const msgs: string[] = new Array(batch.length);
    const lens: number[] = new Array(batch.length);
    let total = 0;
    for (let i = 0; i < batch.length; i++) {
      const m = this.message(batch[i] as AuditEvent);
      const n = Buffer.byteLength(m);
      msgs[i] = m;
      lens[i] = n;
      total += String(n).length + 1 + n;
    }
    const buf = Buffer.allocUnsafe(total);
    let off = 0;
    for (let i = 0; i < msgs.length; i++) {
      off += buf.write(`${lens[i]} `, off, 'latin1');
      off += buf.write(msgs[i] as string, off);
    }
    return buf;
  }
}
