/** The stdout sink: NDJSON on standard output, for containers and pipes. */
import { defineSinkType, SENT, type SendResult, type Sink, type SinkContext } from '../../core/sinks/sink.js';
import { type StdoutSinkOptions, stdoutConfigSchema } from './config.js';
import { encodeBatch } from './encoder.js';
import { writeWithBackpressure } from './transport.js';

export function createStdoutSink(
  _options: Record<string, unknown>,
  ctx: SinkContext,
  stream: NodeJS.WritableStream = process.stdout,
): Sink {
  return {
    name: ctx.name,
    async send(batch): Promise<SendResult> {
      const err = await writeWithBackpressure(stream, encodeBatch(batch));
      return err ? { kind: 'batch', outcome: { status: 'retry', error: String(err) } } : SENT;
    },
    async close() {},
  };
}

export const stdoutSinkType = defineSinkType<StdoutSinkOptions>({
  type: 'stdout',
  description: 'Writes events as NDJSON to standard output.',
  configSchema: stdoutConfigSchema,
  create: (options, ctx) => createStdoutSink(options, ctx),
});
