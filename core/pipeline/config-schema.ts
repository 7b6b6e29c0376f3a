/**
 * JSON Schema fragments for the config keys the pipeline owns: `sinks`, `pipeline`, `metrics`.
 * core/config composes them into the whole config schema. A sink entry's common keys are checked
 * here; its type-specific keys are checked against the sink type's own `configSchema` when the
 * pipeline starts (core never imports sinks/, so it cannot list them here).
 */
export const sinkCommonProperties: Record<string, Record<string, unknown>> = {
  name: {
    type: 'string',
    pattern: '^[A-Za-z0-9_.-]+$',
    description:
      'Unique name of this sink, used in metrics and in audit.loss `source` (sink:<name>). Default: the type.',
  },
  type: { type: 'string', description: 'Sink type: file, stdout, module, or a SIEM sink.' },
  buffer: {
    type: 'object',
    description: 'The bounded queue in front of the sink.',
    properties: {
      max_events: {
        type: 'integer',
        minimum: 1,
        default: 100000,
        description: 'Capacity, in events (including those being sent).',
      },
      when_full: {
        enum: ['drop_newest', 'drop_oldest'],
        default: 'drop_newest',
        description:
          'What a full queue drops: the event arriving (drop_newest) or the oldest waiting one (drop_oldest). Every drop is counted and reported by audit.loss.',
      },
    },
    additionalProperties: false,
  },
  batch: {
    type: 'object',
    description: 'How events are grouped into one send.',
    properties: {
      max_events: { type: 'integer', minimum: 1, default: 1000, description: 'Most events in one batch.' },
      max_bytes: {
        type: 'integer',
        minimum: 1,
        default: 1048576,
        description: 'Most JSON bytes in one batch (one event is always sent, however big).',
      },
      timeout_ms: {
        type: 'integer',
        minimum: 0,
        default: 200,
        description: 'Longest an event waits for its batch to fill.',
      },
    },
    additionalProperties: false,
  },
  retry: {
    type: 'object',
    description:
      'Retries of events the sink reports as transiently failed, with full-jitter exponential backoff; whatever is set here, a retry waits at least 50 ms and one sink starts at most one retry per 50 ms across its batches in flight.',
    properties: {
      initial_ms: { type: 'integer', minimum: 1, default: 100, description: 'First backoff.' },
      max_ms: { type: 'integer', minimum: 1, default: 30000, description: 'Longest backoff.' },
      max_attempts: {
        type: 'integer',
        minimum: 0,
        default: 10,
        description:
          'Sends per event before it is dropped (retries_exhausted); 0 retries while the queue holds.',
      },
    },
    additionalProperties: false,
  },
  request_timeout_ms: {
    type: 'integer',
    minimum: 1,
    default: 10000,
    description: 'A send that takes longer is aborted (AbortSignal) and retried.',
  },
  max_in_flight: {
    type: 'integer',
    minimum: 1,
    maximum: 64,
    default: 2,
    description:
      'Batches sent at once, each awaiting its own acknowledgement and retries: the next batch is on its way while one is acknowledged. With more than 1, batches may arrive out of order (each event keeps its per-session seq, and every gap is still a counted drop). Requests outstanding at once, timed-out ones still running included, are capped at the larger of 2 and this. 1 sends strictly one batch after another.',
  },
  filter: {
    type: 'object',
    description:
      'Which event types go to this sink. audit.loss events always do, so every sink sees its gaps.',
    properties: {
      types: {
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
        description: 'Event types to send, e.g. [session.start, session.end].',
      },
    },
    additionalProperties: false,
  },
};

export const pipelineConfigProperties: Record<string, unknown> = {
  sinks: {
    type: 'array',
    description: 'Where events go. Default: one file sink at <data dir>/events/audit.ndjson.',
    items: {
      type: 'object',
      required: ['type'],
      properties: sinkCommonProperties,
      // Type-specific keys (e.g. `path` for file) are validated against the sink type's schema at start.
      additionalProperties: true,
    },
  },
  pipeline: {
    type: 'object',
    description: 'Pipeline-wide settings.',
    properties: {
      loss_report_interval_ms: {
        type: 'integer',
        minimum: 100,
        default: 10000,
        description: 'How often drops since the last report are emitted as audit.loss events.',
      },
      shutdown_deadline_ms: {
        type: 'integer',
        minimum: 0,
        default: 5000,
        description:
          'How long shutdown waits for queues to drain before counting the rest as lost (reason shutdown).',
      },
      validation: {
        enum: ['fast', 'full'],
        default: 'fast',
        description:
          "fast: each event type's own fields are validated per event and the session context once per session; full: every stamped event is validated whole (slower, for debugging).",
      },
    },
    additionalProperties: false,
  },
  metrics: {
    type: 'object',
    description: 'Prometheus metrics endpoint (text format at /metrics). Off unless listen is set.',
    properties: {
      listen: {
        type: 'string',
        pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s]+):[0-9]{1,5}$',
        description: 'HOST:PORT to serve /metrics on, e.g. 127.0.0.1:9464.',
      },
    },
    additionalProperties: false,
  },
};
