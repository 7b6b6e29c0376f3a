/**
 * RFC 5424 messages, octet-counted (RFC 6587 3.4.1):
 *   LEN SP <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [meta sequenceId="N"][sd_id ...] MSG
 * TIMESTAMP keeps at most 6 fraction digits (RFC 5424's TIME-SECFRAC limit); the full-precision
 * time stays in the JSON MSG. sequenceId counts messages per sink from 1 and wraps after 2^31-1.
 */
import { eventJson } from '../../core/events/json.js';
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

const SD_SPECIAL = /["\\\]]/;

/** SD-PARAM value escaping: '"', '\' and ']' are backslash-escaped. */
function sdValue(v: string): string {
  return SD_SPECIAL.test(v) ? v.replace(/["\\\]]/g, (c) => `\\${c}`) : v;
}

export function syslogTimestamp(time: string): string {
  // Our own times ("…:SS.nnnnnnnnnZ") are cut without a regex; anything else takes the general path.
  const dot = time.indexOf('.');
  if (dot > 0 && time.length === dot + 11 && time.charCodeAt(dot + 10) === 90 /* Z */)
    return `${time.slice(0, dot + 7)}Z`;
  return time.replace(/\.(\d{1,6})\d*/, '.$1');
}

/** Per-type parts of the header, made once per type (types are few). */
interface TypeParts {
  pri: string;
  /** ` TYPE [meta sequenceId="` is what follows HOSTNAME APP PROCID; then the sequence number. */
  msgid: string;
  sdType: string;
}

export class Encoder {
  private sequence = 0;
  private readonly facility: number;
  private readonly procid = String(process.pid);
  private readonly app: string;
  private readonly types = new Map<string, TypeParts>();
  private lastHost = '';
  private lastHostField = '-';

  constructor(private readonly o: ResolvedSyslogOptions) {
    this.facility = FACILITIES[o.facility];
    this.app = headerField(o.app_name, 48);
  }

  private partsOf(type: string): TypeParts {
    let p = this.types.get(type);
    if (p === undefined) {
      p = {
        pri: `<${this.facility * 8 + severityOf(type)}>1 `,
        msgid: ` ${this.app} ${this.procid} ${headerField(type, 32)} [meta sequenceId="`,
        sdType: `"][${this.o.sd_id} type="${sdValue(type)}" seq="`,
      };
      if (this.types.size < 1000) this.types.set(type, p);
    }
    return p;
  }

  /** One message without framing. */
  message(e: AuditEvent): string {
    this.sequence = this.sequence >= 2147483647 ? 1 : this.sequence + 1;
    const p = this.partsOf(e.type);
    if (e.hostname !== this.lastHost) {
      this.lastHost = e.hostname;
      this.lastHostField = headerField(e.hostname, 255);
    }
    let sd = `${p.sdType}${e.seq}"`;
    if (e.session_id) sd += ` session_id="${sdValue(e.session_id)}"`;
    if (typeof e.login === 'string') sd += ` login="${sdValue(e.login)}"`;
    return `${p.pri}${syslogTimestamp(e.time)} ${this.lastHostField}${p.msgid}${this.sequence}${sd}] ${eventJson(e)}`;
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
