/**
 * Makes one configured sink from its resolved settings: the one place a sink is created, for the
 * running pipeline and for `sshtrail sinks test` (through core/compose) alike. A factory's error
 * is thrown as it is: each caller says it in its own words.
 */
import type { Sink, SinkContext } from '../sinks/sink.js';
import type { SinkSettings } from './options.js';

export async function openSink(s: SinkSettings, context: Omit<SinkContext, 'name'>): Promise<Sink> {
  return s.sinkType.create(s.options, { name: s.name, ...context });
}
