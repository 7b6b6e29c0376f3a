/**
 * The whole configuration: core/config's loader with every module's part (ssh's algorithm lists
 * and checks, the access policy's checks, the pipeline's sections, bpf's enhanced_recording), so
 * that core/config imports none of them. The CLI and tests load configs through here.
 */
import { enhancedConfigProperties } from '../../bpf/config-schema.js';
import {
  type ConfigPart,
  loadConfig as loadWithParts,
  validateConfig as validateWithParts,
} from '../config/load.js';
import type { ConfigOverrides, ServerConfig } from '../config/types.js';
import { pipelineConfigProperties } from '../pipeline/config-schema.js';
import { accessChecks } from '../policy/check.js';
import { sshConfigPart } from '../ssh/config-schema.js';

export const configParts: readonly ConfigPart[] = [
  sshConfigPart,
  { check: accessChecks },
  { properties: pipelineConfigProperties },
  { properties: enhancedConfigProperties },
];

export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): ServerConfig {
  return loadWithParts(file, overrides, configParts);
}

export function validateConfig(raw: unknown, source = 'config'): ServerConfig {
  return validateWithParts(raw, source, configParts);
}
