/**
 * What `manage_template` installs: an ingest pipeline setting event.ingested, a component template
 * with explicit mappings (the ECS fields sshtrail writes and the canonical event under sshtrail.*),
 * and a composable index template for logs-sshtrail.*-* above the built-in `logs` template
 * (priority 100). All three are PUTs of fixed bodies, so installing twice changes nothing.
 */
import { ecsFieldTypes, nestedProperties, sshtrailFieldTypes } from './ecs-fields.js';

export const TEMPLATE_VERSION = 1;
export const PIPELINE_NAME = 'sshtrail-ecs';
export const COMPONENT_NAME = 'sshtrail@mappings';
export const INDEX_TEMPLATE_NAME = 'logs-sshtrail';
export const INDEX_PATTERN = 'logs-sshtrail.*-*';
const meta = { managed_by: 'sshtrail', version: TEMPLATE_VERSION };

export function ingestPipelineBody(): Record<string, unknown> {
  return {
    description: 'sshtrail: stamp event.ingested',
    processors: [{ set: { field: 'event.ingested', value: '{{{_ingest.timestamp}}}' } }],
    _meta: meta,
  };
}

export function componentTemplateBody(): Record<string, unknown> {
  const properties = nestedProperties(ecsFieldTypes);
  // The canonical event: explicit where known, dynamic for fields a later schema minor adds.
  properties.sshtrail = { type: 'object', dynamic: true, properties: nestedProperties(sshtrailFieldTypes) };
  return {
    template: {
      settings: { index: { default_pipeline: PIPELINE_NAME } },
      mappings: { properties },
    },
    _meta: meta,
  };
}

export function indexTemplateBody(): Record<string, unknown> {
  // The built-ins give ECS dynamic mappings and logs settings where the cluster has them
  // (8.13+); ours comes after them, so our explicit mappings and default pipeline win.
  const optional = ['logs@mappings', 'logs@settings', 'ecs@mappings', 'sshtrail@custom'];
  return {
    index_patterns: [INDEX_PATTERN],
    data_stream: {},
    priority: 200,
    composed_of: ['logs@mappings', 'logs@settings', 'ecs@mappings', COMPONENT_NAME, 'sshtrail@custom'],
    ignore_missing_component_templates: optional,
    _meta: { ...meta, description: 'sshtrail audit events (ECS)' },
  };
}
