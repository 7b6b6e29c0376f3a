/**
 * The configured sinks outside the pipeline (`sshtrail sinks test`): looked up in
 * sinks/registry.ts and created by the pipeline's own openSink, so a sink is tested as it runs.
 */
import { hostname as osHostname } from 'node:os';
import { sinkTypes } from '../../sinks/registry.js';
import type { ServerConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { openSink } from '../pipeline/open-sink.js';
import { type PipelineConfig, resolveSettings, type SinkSettings } from '../pipeline/options.js';
import type { Sink } from '../sinks/sink.js';

export { sinkTypes };

/** The sinks section checked against each type's schema (serve --check and reload check the same). */
export function sinkSettings(config: ServerConfig): SinkSettings[] {
  return resolveSettings(config as unknown as PipelineConfig, sinkTypes).sinks;
}

/** One sink as the pipeline would make it, named by this host (the pipeline's default ids). */
export function createSink(s: SinkSettings, config: ServerConfig, logger: Logger): Promise<Sink> {
  const hostname = osHostname();
  return openSink(s, {
    logger: logger.child({ sink: s.name }),
    dataDir: config.data_dir,
    hostname,
    serverId: hostname,
  });
}
