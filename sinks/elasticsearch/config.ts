/**
 * The `elasticsearch` sink's configuration: one JSON Schema, the single source for validation
 * and docs. Unknown keys are errors. Its defaults are the only ones: the pipeline's validator
 * fills them in before the sink sees its options.
 */
/** The options as the schema leaves them: validated, defaults filled in. */
export interface ElasticsearchOptions {
  nodes: string[];
  api_key?: string;
  username?: string;
  password?: string;
  tls: { ca_file?: string; verify: boolean };
  namespace: string;
  manage_template: boolean;
  compression: boolean;
}

export const elasticsearchConfigSchema: Record<string, unknown> = {
  $id: 'https://sshtrail.dev/config/sinks/elasticsearch.json',
  type: 'object',
  description:
    'Elasticsearch through the official client: ECS documents written with bulk `create` to the data streams `logs-sshtrail.<dataset>-<namespace>`, where <dataset> is the event type with "." replaced by "_" (session.command -> sshtrail.session_command).',
  additionalProperties: false,
  required: ['nodes'],
  properties: {
    nodes: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: '^https?://' },
      description: 'Elasticsearch node URLs.',
      examples: [['https://es1.example.com:9200']],
    },
    api_key: {
      type: 'string',
      description: 'API key (the base64 "id:api_key" form Kibana shows as "encoded"). Secret.',
      examples: ['VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=='],
    },
    username: {
      type: 'string',
      description: 'Basic auth user (when no api_key).',
      examples: ['sshtrail_writer'],
    },
    password: { type: 'string', description: 'Basic auth password. Secret.' },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'TLS settings for https nodes.',
      properties: {
        ca_file: {
          type: 'string',
          description: "PEM file of the CA that signed the nodes' certificates.",
          examples: ['/etc/sshtrail/es-ca.pem'],
        },
        verify: {
          type: 'boolean',
          default: true,
          description: "Verify the nodes' certificates. Turn off only for testing.",
        },
      },
    },
    namespace: {
      type: 'string',
      default: 'default',
      pattern: '^[a-z0-9_]{1,100}$',
      description: 'Data stream namespace (the last part of `logs-sshtrail.<dataset>-<namespace>`).',
      examples: ['prod'],
    },
    manage_template: {
      type: 'boolean',
      default: true,
      description:
        'On start, install (idempotently) the index template `logs-sshtrail` for logs-sshtrail.*-* (priority 200, above the built-in logs template), the component template `sshtrail@mappings` and the ingest pipeline `sshtrail-ecs` (sets event.ingested). Needs the manage_index_templates and manage_pipeline privileges.',
    },
    compression: {
      type: 'boolean',
      default: false,
      description:
        "gzip request bodies (fastest level, off the event loop). Off by default: on a LAN or loopback it costs sshtrail more CPU than the bytes it saves (measured: 0.79x vs 0.91x of a local receiver's ceiling). Turn it on when bandwidth to the cluster is scarce (a bulk document is ~1.7 KB; gzip makes it ~5-10x smaller).",
    },
  },
  examples: [
    { type: 'elasticsearch', name: 'es', nodes: ['https://localhost:9200'], api_key: '<encoded key>' },
  ],
};
