/**
 * JSON Schema fragments for the config keys the pipeline owns: `sinks`, `pipeline`, `metrics`.
 * core/config composes them into the whole config schema. (Owned by the pipeline.)
 */
export const pipelineConfigProperties: Record<string, unknown> = {
  sinks: { type: 'array', description: 'Where events go. Default: one file sink under the data dir.' },
  pipeline: { type: 'object', description: 'Pipeline-wide settings.' },
  metrics: { type: 'object', description: 'Prometheus metrics endpoint.' },
};
