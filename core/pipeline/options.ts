/**
 * Turns the `sinks`/`pipeline`/`metrics` config sections into resolved settings: defaults filled
 * in, common keys checked against config-schema.ts, type-specific keys against the sink type's own
 * schema. A bad value is a SshtrailError naming the key's path.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { formatConfigErrors } from '../config/load.js';
import { SshtrailError } from '../errors.js';
import type { SinkType } from '../sinks/sink.js';
import { pipelineConfigProperties, sinkCommonProperties } from './config-schema.js';

export type WhenFull = 'drop_newest' | 'drop_oldest';

export interface SinkSettings {
  name: string;
  type: string;
  sinkType: SinkType;
  /** The type-specific keys, validated against sinkType.configSchema. */
  options: Record<string, unknown>;
  buffer: { max_events: number; when_full: WhenFull };
  batch: { max_events: number; max_bytes: number; timeout_ms: number };
  retry: { initial_ms: number; max_ms: number; max_attempts: number };
  request_timeout_ms: number;
  /** Batches delivered at once (each with its own retries). */
  max_in_flight: number;
  /** undefined: every type. */
  types?: ReadonlySet<string>;
}

export interface PipelineSettings {
  sinks: SinkSettings[];
  loss_report_interval_ms: number;
  shutdown_deadline_ms: number;
  validation: 'fast' | 'full';
  metrics?: { host: string; port: number };
}

/** The config sections the pipeline reads (the rest of the config is ignored). */
export interface PipelineConfig {
  sinks?: Record<string, unknown>[];
  pipeline?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
  [key: string]: unknown;
}

const commonKeys = new Set(Object.keys(sinkCommonProperties));
const DEFAULT_MAX_IN_FLIGHT = sinkCommonProperties.max_in_flight?.default as number;

/** Every problem of one section at once, each with the key it is about (`sinks[0].hots: unknown key`). */
function badConfig(path: string, errors: ErrorObject[] | null | undefined): never {
  const lines = formatConfigErrors(errors ?? [], path);
  const text = lines.length ? lines.join('\n  ') : `${path}: is invalid`;
  throw new SshtrailError('SSHTRAIL_E_CONFIG', `config: invalid configuration\n  ${text}`);
}

// One instance, and each schema compiled once: the schemas are ours and the sink types', so the
// meta-schema check (the slow part of a new instance) is skipped.
let ajv: Ajv2020 | undefined;
const cache = new WeakMap<object, ValidateFunction>();
function compiled(schema: object): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    ajv ??= new Ajv2020({ strict: false, useDefaults: true, allErrors: true, validateSchema: false });
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

const sinkEntrySchema = { type: 'object', required: ['type'], properties: sinkCommonProperties };

export function resolveSettings(config: PipelineConfig, sinkTypes: readonly SinkType[]): PipelineSettings {
  const check = (path: string, schema: unknown, value: unknown) => {
    const fn = compiled(schema as object);
    if (!fn(value)) badConfig(path, fn.errors);
  };
  const pipeline = { ...(config.pipeline ?? {}) };
  check('pipeline', pipelineConfigProperties.pipeline, pipeline);
  const metricsIn = { ...(config.metrics ?? {}) };
  check('metrics', pipelineConfigProperties.metrics, metricsIn);

  // The default: one file sink at its default path, <data dir>/events/audit.ndjson.
  const entries = config.sinks ?? [{ type: 'file' }];
  const byType = new Map(sinkTypes.map((t) => [t.type, t]));
  const names = new Set<string>();
  const sinks = entries.map((raw, i): SinkSettings => {
    const entry = structuredClone(raw) as Record<string, unknown>;
    for (const k of ['buffer', 'batch', 'retry']) entry[k] ??= {};
    check(`sinks[${i}]`, sinkEntrySchema, entry);
    const type = entry.type as string;
    const sinkType = byType.get(type);
    if (!sinkType) {
      throw new SshtrailError(
        'SSHTRAIL_E_CONFIG',
        `config sinks[${i}].type: unknown sink type '${type}' (known: ${[...byType.keys()].join(', ')})`,
      );
    }
    const name = (entry.name as string | undefined) ?? type;
    if (names.has(name)) {
      throw new SshtrailError(
        'SSHTRAIL_E_CONFIG',
        `config sinks[${i}].name: '${name}' is used by another sink; give each a unique name`,
      );
    }
    names.add(name);
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!commonKeys.has(k)) options[k] = v;
    check(`sinks[${i}]`, sinkType.configSchema, options);
    const types = (entry.filter as { types?: string[] } | undefined)?.types;
    return {
      name,
      type,
      sinkType,
      options,
      buffer: entry.buffer as SinkSettings['buffer'],
      batch: entry.batch as SinkSettings['batch'],
      retry: entry.retry as SinkSettings['retry'],
      request_timeout_ms: (entry.request_timeout_ms as number | undefined) ?? 10000,
      max_in_flight: (entry.max_in_flight as number | undefined) ?? DEFAULT_MAX_IN_FLIGHT,
      ...(types ? { types: new Set(types) } : {}),
    };
  });

  let metrics: PipelineSettings['metrics'];
  if (typeof metricsIn.listen === 'string') {
    const m = /^\[?(.*?)\]?:([0-9]+)$/.exec(metricsIn.listen);
    const port = Number(m?.[2]);
    if (!m || port > 65535)
      throw new SshtrailError(
        'SSHTRAIL_E_CONFIG',
        `config metrics.listen: expected HOST:PORT, got '${metricsIn.listen}'`,
      );
    metrics = { host: m[1]!, port };
  }
  return {
    sinks,
    loss_report_interval_ms: pipeline.loss_report_interval_ms as number,
    shutdown_deadline_ms: pipeline.shutdown_deadline_ms as number,
    validation: pipeline.validation as 'fast' | 'full',
    ...(metrics ? { metrics } : {}),
  };
}
