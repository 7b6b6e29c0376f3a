/**
 * The file sink's config: its JSON Schema (docs and validation), whose defaults are the only ones
 * (the pipeline's validator fills them in), and the options as it leaves them.
 */
export interface FileSinkOptions {
  /** No default in the schema: it is under the data dir (SinkContext.dataDir). */
  path?: string;
  rotate: { max_bytes: number; max_age_s: number; keep: number };
  fsync: 'never' | 'interval' | 'always';
  fsync_interval_ms: number;
}

export const fileConfigSchema: Record<string, unknown> = {
  type: 'object',
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description:
        'The NDJSON file to append to (its directory is created 0700, the file 0600). Default: <data dir>/events/audit.ndjson.',
    },
    rotate: {
      type: 'object',
      default: {},
      description: 'When the current file is renamed to <name>-<UTC time>-<n>.ndjson and a new one started.',
      properties: {
        max_bytes: {
          type: 'integer',
          minimum: 1,
          default: 104857600,
          description: 'Rotate before a write would pass this size.',
        },
        max_age_s: {
          type: 'integer',
          minimum: 1,
          default: 86400,
          description: 'Rotate a file older than this.',
        },
        keep: {
          type: 'integer',
          minimum: 0,
          default: 10,
          description: 'Rotated files to keep (oldest removed first); 0 keeps all.',
        },
      },
      additionalProperties: false,
    },
    fsync: {
      enum: ['never', 'interval', 'always'],
      default: 'interval',
      description:
        'When data is forced to disk: never (the OS decides), interval (every fsync_interval_ms when written to; a power cut loses at most that), always (after every batch, slowest).',
    },
    fsync_interval_ms: {
      type: 'integer',
      minimum: 10,
      default: 1000,
      description: 'Interval for fsync: interval.',
    },
  },
  additionalProperties: false,
};
