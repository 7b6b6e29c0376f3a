/** The stdout sink: NDJSON on standard output, for containers and pipes. */

import { encodeBatch } from '../../core/sinks/ndjson.js';
import { defineSinkType, SENT, type SendResult, type Sink, type SinkContext } from '../../core/sinks/sink.js';

export interface StdoutSinkOptions {
  stream?: NodeJS.WritableStream;
}

export function createStdoutSink(
  _options: Record<string, unknown>,
  ctx: SinkContext,
  stream: NodeJS.WritableStream = process.stdout,
): Sink {
  return {
    name: ctx.name,
    send(batch): Promise<SendResult> {
      // Resolves once the stream has taken the data, so a slow reader slows this sink, never the producer.
      return new Promise((resolve) => {
        stream.write(encodeBatch(batch), (err) =>
          resolve(err ? { kind: 'batch', outcome: { status: 'retry', error: String(err) } } : SENT),
        );
      });
    },
    async close() {},
  };
}

export const stdoutSinkType = defineSinkType<Record<string, never>>({
  type: 'stdout',
  description: 'Writes events as NDJSON to standard output.',
  configSchema: { type: 'object', properties: {}, additionalProperties: false },
  create: (options, ctx) => createStdoutSink(options, ctx),
});
