/**
 * The module sink: a custom sink from a JavaScript module named in the config (see
 * examples/custom-sink/). It has no encoder.ts: the custom sink encodes in its own code.
 */
import { defineSinkType, type Sink, type SinkContext } from '../../core/sinks/sink.js';
import { type ModuleSinkOptions, moduleConfigSchema } from './config.js';
import { loadFactory } from './transport.js';

export async function createModuleSink(options: ModuleSinkOptions, ctx: SinkContext): Promise<Sink> {
  const { file, name, factory } = await loadFactory(options.path, options.export);
  const sink = await factory(options.options, ctx);
  if (!sink || typeof sink.send !== 'function' || typeof sink.close !== 'function') {
    throw new Error(`${file}: the factory '${name}' did not return a sink with send() and close()`);
  }
  return sink;
}

export const moduleSinkType = defineSinkType<ModuleSinkOptions>({
  type: 'module',
  description: 'Loads a custom sink from a module (a factory returning a Sink).',
  configSchema: moduleConfigSchema,
  create: createModuleSink,
});
