/**
 * The running pipeline with what surrounds it: the sink types from sinks/registry.ts and, when
 * `metrics.listen` is set, the Prometheus listener (core/metrics) over the pipeline's stats. The
 * pipeline itself owns no HTTP server; closing the composed pipeline closes both.
 */
import { sinkTypes as registered } from '../../sinks/registry.js';
import type { MetricsServer } from '../metrics/server.js';
import { type Pipeline, type StartPipelineOptions, startPipeline as startBare } from '../pipeline/index.js';
import { resolveSettings } from '../pipeline/options.js';

export interface ComposedPipeline extends Pipeline {
  /** http://HOST:PORT/metrics when metrics are enabled. */
  readonly metricsUrl?: string;
}

/** StartPipelineOptions, with the registered sink types unless others are given. */
export type ComposePipelineOptions = Omit<StartPipelineOptions, 'sinkTypes'> & Partial<StartPipelineOptions>;

export async function startPipeline(opts: ComposePipelineOptions): Promise<ComposedPipeline> {
  const sinkTypes = opts.sinkTypes ?? registered;
  const { metrics: listen } = resolveSettings(opts.config, sinkTypes);
  const pipeline = await startBare({ ...opts, sinkTypes });
  let metrics: MetricsServer | undefined;
  if (listen) {
    try {
      // Loaded only when asked for: most servers run without it.
      const [{ startMetricsServer }, { renderMetrics }] = await Promise.all([
        import('../metrics/server.js'),
        import('../metrics/prometheus.js'),
      ]);
      metrics = await startMetricsServer({
        ...listen,
        render: () => renderMetrics(pipeline.stats()),
        logger: opts.logger,
      });
    } catch (err) {
      await pipeline.close(0);
      throw err;
    }
  }
  return {
    emit: pipeline.emit.bind(pipeline),
    endSession: pipeline.endSession.bind(pipeline),
    stats: pipeline.stats.bind(pipeline),
    reportLoss: pipeline.reportLoss.bind(pipeline),
    close: async (deadlineMs?: number) => {
      await pipeline.close(deadlineMs);
      await metrics?.close();
    },
    ...(metrics ? { metricsUrl: metrics.url } : {}),
  };
}
