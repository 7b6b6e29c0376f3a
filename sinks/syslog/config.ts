/**
 * The `syslog` sink's configuration: RFC 5424 over TCP (RFC 6587 octet counting) or TLS
 * (RFC 5425). One JSON Schema, unknown keys are errors; its defaults are the only ones (the
 * pipeline's validator fills them in before the sink sees its options).
 */
export const FACILITIES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;
export type Facility = keyof typeof FACILITIES;

/** The options as the schema leaves them: validated, defaults filled in. */
export interface SyslogOptions {
  host: string;
  /** No default in the schema: it depends on `tls.enabled` (see resolveOptions). */
  port?: number;
  tls: { enabled: boolean; ca_file?: string; verify: boolean; servername?: string };
  facility: Facility;
  app_name: string;
  sd_id: string;
  connect_timeout_ms: number;
}

export interface ResolvedSyslogOptions extends SyslogOptions {
  port: number;
}

export const syslogConfigSchema: Record<string, unknown> = {
  $id: 'https://sshtrail.dev/config/sinks/syslog.json',
  type: 'object',
  description:
    'Syslog (RFC 5424) over TCP with octet-counting framing (RFC 6587) or TLS (RFC 5425): MSGID is the event type, structured data carries `meta sequenceId` and the session id and type, MSG is the canonical event as JSON. For SIEMs that take only syslog (QRadar, ArcSight, Sentinel through a collector). TCP has no application acknowledgement: an event counts as sent once written to the socket.',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string', description: 'Syslog collector host.', examples: ['syslog.example.com'] },
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'Collector port; default 514 (TCP) or 6514 (TLS).',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS (RFC 5425).',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Connect with TLS.' },
        ca_file: {
          type: 'string',
          description: 'PEM file of the CA that signed the collector certificate.',
          examples: ['/etc/sshtrail/syslog-ca.pem'],
        },
        verify: { type: 'boolean', default: true, description: 'Verify the collector certificate.' },
        servername: { type: 'string', description: 'Certificate name to expect; default: host.' },
      },
    },
    facility: {
      enum: Object.keys(FACILITIES),
      default: 'authpriv',
      description: 'Syslog facility of every message.',
    },
    app_name: {
      type: 'string',
      maxLength: 48,
      pattern: '^[!-~]+$',
      default: 'sshtrail',
      description: 'APP-NAME field.',
    },
    sd_id: {
      type: 'string',
      pattern: '^[!#-<>-\\\\^-~]+@[0-9]+(\\.[0-9]+)*$',
      maxLength: 32,
      default: 'sshtrail@32473',
      description:
        'SD-ID of the element carrying session_id/type/seq/login: name@<your IANA enterprise number> (32473 is the documentation number of RFC 5612).',
    },
    connect_timeout_ms: {
      type: 'integer',
      minimum: 10,
      default: 5000,
      description: 'How long a send waits to connect before the batch is retried.',
    },
  },
  examples: [
    { type: 'syslog', name: 'syslog', host: 'syslog.example.com', port: 6514, tls: { enabled: true } },
  ],
};

/** The one default the schema cannot state: the port follows `tls.enabled`. */
export function resolveOptions(o: SyslogOptions): ResolvedSyslogOptions {
  return { ...o, port: o.port ?? (o.tls.enabled ? 6514 : 514) };
}
