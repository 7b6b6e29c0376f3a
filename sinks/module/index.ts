/**
 * The module sink: loads a custom sink from a JavaScript module named in the config. The module
 * exports a factory `create(options, ctx) => Sink | Promise<Sink>` (named `create`, or the default
 * export, or the export named by `export`). See examples/custom-sink/.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineSinkType, type Sink, type SinkContext } from '../../core/sinks/sink.js';

export interface ModuleSinkOptions {
  path: string;
  export?: string;
  options?: Record<string, unknown>;
}

type Factory = (options: Record<string, unknown>, ctx: SinkContext) => Sink | Promise<Sink>;

export async function createModuleSink(options: ModuleSinkOptions, ctx: SinkContext): Promise<Sink> {
  const file = isAbsolute(options.path) ? options.path : resolve(process.cwd(), options.path);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const name = options.export ?? (typeof mod.create === 'function' ? 'create' : 'default');
  const factory = mod[name];
  if (typeof factory !== 'function') {
    throw new Error(
      `${file}: no sink factory exported as '${name}' (export a function create(options, ctx))`,
    );
  }
  const sink = await (factory as Factory)(options.options ?? {}, ctx);
  if (!sink || typeof sink.send !== 'function' || typeof sink.close !== 'function') {
    throw new Error(`${file}: the factory '${name}' did not return a sink with send() and close()`);
  }
  return sink;
}

export const moduleSinkType = defineSinkType<ModuleSinkOptions>({
  type: 'module',
  description: 'Loads a custom sink from a module (a factory returning a Sink).',
  configSchema: {
    type: 'object',
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description: 'The module file (absolute, or relative to the working directory).',
      },
      export: {
        type: 'string',
        description: "The factory's export name. Default: create, else the default export.",
      },
      options: {
        type: 'object',
        description: "Passed to the factory as its options (the module's own config).",
      },
    },
    additionalProperties: false,
  },
  create: createModuleSink,
});
