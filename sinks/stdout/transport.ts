/**
 * No network here: stdout's transport is one write to a stream (process.stdout, a pipe or a
 * container's log), completed once the stream has taken the data, so a slow reader slows this
 * sink (the pipeline queues and counts), never the producer.
 */
export function writeWithBackpressure(stream: NodeJS.WritableStream, data: string): Promise<Error | null> {
  return new Promise((resolve) => {
    stream.write(data, (err) => resolve(err ?? null));
  });
}
