/**
 * The `splunk_hec` sink's configuration: one JSON Schema, unknown keys are errors. Its defaults
 * are the only ones: the pipeline's validator fills them in before the sink sees its options.
 */
import { randomUUID } from 'node:crypto';

/** The options as the schema leaves them: validated, defaults filled in. */
export interface SplunkHecOptions {
  endpoint: string;
  token: string;
  index?: string;
  source: string;
  sourcetype: string;
  host?: string;
  gzip: boolean;
  max_request_bytes: number;
  /** No default in the schema: a random GUID per sink and process (see resolveOptions). */
  channel?: string;
  tls: { ca_file?: string; verify: boolean };
  ack: { enabled: boolean; poll_ms: number; timeout_ms: number };
}

export interface ResolvedSplunkHecOptions extends SplunkHecOptions {
  channel: string;
}

export const splunkHecConfigSchema: Record<string, unknown> = {
  $id: 'https://sshtrail.dev/config/sinks/splunk_hec.json',
  type: 'object',
  description:
    'Splunk HTTP Event Collector: batched JSON envelopes to /services/collector/event, the canonical event as `event`, type/session_id/login as the indexed fields sshtrail_type/sshtrail_session_id/sshtrail_login (examples/splunk/TA-sshtrail maps the events to the CIM).',
  additionalProperties: false,
  required: ['endpoint', 'token'],
  properties: {
    endpoint: {
      type: 'string',
      pattern: '^https?://',
      description: 'Base URL of the HEC listener (scheme, host, port).',
      examples: ['https://splunk.example.com:8088'],
    },
    token: {
      type: 'string',
      minLength: 1,
      description: 'HEC token (sent as `Authorization: Splunk <token>`). Secret.',
      examples: ['8b1e7a4c-0c1d-4c5e-9f7a-1b2c3d4e5f60'],
    },
    index: {
      type: 'string',
      description: "Target index; omitted: the token's default index.",
      examples: ['sshtrail'],
    },
    source: { type: 'string', default: 'sshtrail', description: 'The `source` of every event.' },
    sourcetype: {
      type: 'string',
      default: 'sshtrail:audit',
      description: 'The `sourcetype` of every event.',
    },
    host: { type: 'string', description: "The `host` of every event; default: the event's hostname." },
    gzip: {
      type: 'boolean',
      default: false,
      description:
        'gzip request bodies (Content-Encoding: gzip; fastest level, off the event loop). Off by default: on a LAN or loopback it costs sshtrail more CPU than the bytes it saves. Turn it on when bandwidth to HEC is scarce (an envelope is ~0.8 KB; gzip makes it ~5-10x smaller).',
    },
    max_request_bytes: {
      type: 'integer',
      minimum: 1024,
      default: 1048576,
      description:
        'Largest uncompressed request body; a batch is split into requests under it. A single event larger than this is rejected and counted.',
    },
    channel: {
      type: 'string',
      pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
      description: 'X-Splunk-Request-Channel GUID; default: a random GUID per sink and process.',
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS settings for an https endpoint.',
      properties: {
        ca_file: {
          type: 'string',
          description: 'PEM file of the CA that signed the HEC certificate.',
          examples: ['/etc/sshtrail/splunk-ca.pem'],
        },
        verify: {
          type: 'boolean',
          default: true,
          description: 'Verify the server certificate. Turn off only for testing.',
        },
      },
    },
    ack: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Indexer acknowledgement (Splunk Enterprise, token with ack on): a batch counts as sent only once /services/collector/ack says so; never acked within timeout_ms -> lost with reason ack_timeout.',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Wait for indexer acknowledgement.' },
        poll_ms: {
          type: 'integer',
          minimum: 10,
          default: 1000,
          description: 'How often pending acks are polled.',
        },
        timeout_ms: {
          type: 'integer',
          minimum: 100,
          default: 60000,
          description: 'How long to wait for an ack.',
        },
      },
    },
  },
  examples: [
    {
      type: 'splunk_hec',
      name: 'splunk',
      endpoint: 'https://splunk.example.com:8088',
      token: '<hec token>',
      index: 'sshtrail',
    },
  ],
};

/** The one default the schema cannot state: a fresh channel GUID for this sink and process. */
export function resolveOptions(o: SplunkHecOptions): ResolvedSplunkHecOptions {
  return { ...o, channel: o.channel ?? randomUUID() };
}
