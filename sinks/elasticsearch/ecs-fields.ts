/**
 * Every ECS field the encoder writes, with the Elasticsearch field type sshtrail maps it to. One
 * table serves the component template's explicit mappings and the test that checks each field
 * against ECS's own field list (ecs_flat.yml).
 */
import { shippedSchemas } from '../../core/events/schemas.js';
import { deriveMappings } from './schema-mappings.js';
export const ECS_VERSION = '8.17.0';

export const ecsFieldTypes = {
  '@timestamp': 'date_nanos',
  'ecs.version': 'keyword',
  'data_stream.type': 'constant_keyword',
  'data_stream.dataset': 'constant_keyword',
  'data_stream.namespace': 'constant_keyword',
  'event.kind': 'keyword',
  'event.category': 'keyword',
  'event.type': 'keyword',
  'event.action': 'keyword',
  'event.outcome': 'keyword',
  'event.reason': 'keyword',
  'event.id': 'keyword',
  'event.sequence': 'long',
  'event.dataset': 'keyword',
  'event.module': 'keyword',
  'event.duration': 'long',
  'event.ingested': 'date',
  'event.start': 'date',
  'event.end': 'date',
  'host.name': 'keyword',
  'host.hostname': 'keyword',
  'host.id': 'keyword',
  'user.name': 'keyword',
  'related.user': 'keyword',
  'related.ip': 'ip',
  'source.ip': 'ip',
  'source.port': 'long',
  'source.address': 'keyword',
  'source.bytes': 'long',
  'destination.ip': 'ip',
  'destination.port': 'long',
  'destination.address': 'keyword',
  'destination.bytes': 'long',
  'network.transport': 'keyword',
  'network.type': 'keyword',
  'network.direction': 'keyword',
  'process.pid': 'long',
  'process.name': 'keyword',
  'process.executable': 'keyword',
  'process.args': 'keyword',
  'process.args_count': 'long',
  'process.command_line': 'wildcard',
  'process.entity_id': 'keyword',
  'process.interactive': 'boolean',
  'process.parent.pid': 'long',
  'process.parent.entity_id': 'keyword',
  'process.user.id': 'keyword',
  'process.group.id': 'keyword',
  'process.entry_leader.entity_id': 'keyword',
  'process.entry_leader.entry_meta.type': 'keyword',
  'process.entry_leader.entry_meta.source.ip': 'ip',
  'process.entry_leader.start': 'date',
  'process.entry_leader.user.name': 'keyword',
  'process.entry_leader.interactive': 'boolean',
  'file.path': 'keyword',
  'file.name': 'keyword',
  'file.directory': 'keyword',
  tags: 'keyword',
  message: 'match_only_text',
} as const satisfies Record<string, string>;

export type EcsField = keyof typeof ecsFieldTypes;

/**
 * The explicit mappings of sshtrail.* (the canonical event), by field, across all event types:
 * derived from the schemas (schema-mappings.ts), so every field a schema has is mapped as typed.
 */
export const sshtrailFieldTypes: Record<string, string> = deriveMappings(shippedSchemas()).types;

/** Turns a dotted-name table into nested `properties` for a mapping. */
export function nestedProperties(table: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [dotted, type] of Object.entries(table)) {
    const parts = dotted.split('.');
    let props = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      let obj = props[key] as { properties: Record<string, unknown> } | undefined;
      if (!obj) {
        obj = { properties: {} };
        props[key] = obj;
      }
      props = obj.properties;
    }
    const leaf: Record<string, unknown> = { type };
    if (type === 'keyword') leaf.ignore_above = 1024;
    props[parts[parts.length - 1] as string] = leaf;
  }
  return root;
}
