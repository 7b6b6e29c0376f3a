/**
 * The `fluentd` sink's configuration (Forward protocol v1 through @fluent-org/logger): one JSON
 * Schema, unknown keys are errors. Its defaults are the only ones: the pipeline's validator fills
 * them in before the sink sees its options.
 */
import { hostname } from 'node:os';

/** The options as the schema leaves them: validated, defaults filled in. */
export interface FluentdOptions {
  host: string;
  port: number;
  tag_prefix: string;
  mode: 'PackedForward' | 'CompressedPackedForward';
  ack: { enabled: boolean; timeout_ms: number };
  shared_key?: string;
  /** No default in the schema: it is this host's name (see resolveOptions). */
  self_hostname?: string;
  username?: string;
  password?: string;
  tls: { enabled: boolean; ca_file?: string; verify: boolean; servername?: string };
  connect_timeout_ms: number;
  reconnect: { delay_ms: number; backoff: number; max_delay_ms: number };
}

export interface ResolvedFluentdOptions extends FluentdOptions {
  self_hostname: string;
}

export const fluentdConfigSchema: Record<string, unknown> = {
  $id: 'https://sshtrail.dev/config/sinks/fluentd.json',
  type: 'object',
  description:
    'Fluentd / Fluent Bit `forward` input (Forward protocol v1): one PackedForward message per event type per batch, tag `<tag_prefix>.<event type>`, EventTime with nanoseconds, chunk acks.',
  additionalProperties: false,
  required: ['host'],
  properties: {
    host: { type: 'string', description: 'Forward input host.', examples: ['fluentd.example.com'] },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 24224, description: 'Forward input port.' },
    tag_prefix: {
      type: 'string',
      default: 'sshtrail',
      pattern: '^[A-Za-z0-9_.-]+$',
      description: 'Tag prefix; the tag is `<tag_prefix>.<event type>`, e.g. sshtrail.session.command.',
    },
    mode: {
      enum: ['PackedForward', 'CompressedPackedForward'],
      default: 'PackedForward',
      description: 'Forward event mode; CompressedPackedForward gzips each message.',
    },
    ack: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Chunk acknowledgement (`require_ack_response`): a batch counts as sent only once Fluentd acks it.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Ask for and wait for acks.' },
        timeout_ms: {
          type: 'integer',
          minimum: 100,
          default: 30000,
          description: 'No ack within this time: the batch is retried.',
        },
      },
    },
    shared_key: {
      type: 'string',
      description: 'Shared key for the handshake (`<security> shared_key`). Secret.',
    },
    self_hostname: {
      type: 'string',
      description: "Client hostname in the handshake; default: this host's name.",
    },
    username: { type: 'string', description: 'User for `<security> user_auth`.' },
    password: { type: 'string', description: 'Password for `<security> user_auth`. Secret.' },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS to a forward input with `<transport tls>`.',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Connect with TLS.' },
        ca_file: {
          type: 'string',
          description: 'PEM file of the CA that signed the server certificate.',
          examples: ['/etc/sshtrail/fluentd-ca.pem'],
        },
        verify: { type: 'boolean', default: true, description: 'Verify the server certificate.' },
        servername: { type: 'string', description: 'SNI / certificate name to expect; default: host.' },
      },
    },
    connect_timeout_ms: {
      type: 'integer',
      minimum: 10,
      default: 5000,
      description: 'How long a send waits for the connection (and handshake) before the batch is retried.',
    },
    reconnect: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Reconnection backoff: delay_ms * backoff^attempts, at most max_delay_ms.',
      properties: {
        delay_ms: { type: 'integer', minimum: 1, default: 500, description: 'First reconnect delay.' },
        backoff: { type: 'number', minimum: 1, default: 2, description: 'Backoff factor.' },
        max_delay_ms: {
          type: 'integer',
          minimum: 1,
          default: 30000,
          description: 'Longest reconnect delay.',
        },
      },
    },
  },
  examples: [
    {
      type: 'fluentd',
      name: 'fluentd',
      host: 'fluentd.example.com',
      port: 24224,
      shared_key: '<key>',
      tls: { enabled: true },
    },
  ],
};

/** The one default the schema cannot state: the handshake's hostname is this host's. */
export function resolveOptions(o: FluentdOptions): ResolvedFluentdOptions {
  return { ...o, self_hostname: o.self_hostname ?? hostname() };
}
