/**
 * No network here: a module sink's transport is the custom module itself, so this file loads it
 * and finds its factory `create(options, ctx) => Sink | Promise<Sink>` (named `create`, or the
 * default export, or the export named by `export`).
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Sink, SinkContext } from '../../core/sinks/sink.js';

export type Factory = (options: Record<string, unknown>, ctx: SinkContext) => Sink | Promise<Sink>;

export async function loadFactory(
  path: string,
  exportName: string | undefined,
): Promise<{ file: string; name: string; factory: Factory }> {
  const file = isAbsolute(path) ? path : resolve(process.cwd(), path);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const name = exportName ?? (typeof mod.create === 'function' ? 'create' : 'default');
  const factory = mod[name];
  if (typeof factory !== 'function') {
    throw new Error(
      `${file}: no sink factory exported as '${name}' (export a function create(options, ctx))`,
    );
  }
  return { file, name, factory: factory as Factory };
}
