/**
 * Defaults live only in each sink type's schema: a config with only the required options reaches
 * `create` with every default the schema declares, nested objects (tls, ack, rotate) included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SinkType } from '../../core/sinks/sink.js';
import { sinkTypes } from '../../sinks/registry.js';
import { sinkOptions } from './fixtures.js';

const REQUIRED: Record<string, Record<string, unknown>> = {
  file: {},
  stdout: {},
  module: { path: '/x.js' },
  elasticsearch: { nodes: ['http://127.0.0.1:9200'] },
  splunk_hec: { endpoint: 'http://127.0.0.1:8088', token: 't' },
  fluentd: { host: '127.0.0.1' },
  syslog: { host: '127.0.0.1' },
};

/** Every `default` the schema states, at its path, with nested objects' defaults filled in. */
function schemaDefaults(schema: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [k, p] of Object.entries(props)) {
    if (!('default' in p)) continue;
    out[k] = p.type === 'object' ? { ...(p.default as object), ...schemaDefaults(p) } : p.default;
  }
  return out;
}

test('a config with only the required options gets every default of its schema', () => {
  for (const type of sinkTypes as SinkType[]) {
    const required = REQUIRED[type.type];
    assert.ok(required, `required options of ${type.type} listed here`);
    assert.deepEqual(
      sinkOptions(type, required),
      { ...required, ...schemaDefaults(type.configSchema) },
      type.type,
    );
  }
  const syslog = sinkOptions(sinkTypes.find((t) => t.type === 'syslog') as SinkType, { host: 'h' });
  assert.deepEqual(syslog.tls, { enabled: false, verify: true });
});
