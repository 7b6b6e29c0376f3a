/**
 * The Forward connection through @fluent-org/logger's FluentClient, configured so that its own
 * queue can never hide a drop: no client-side retries, no idle disconnects, and a not-flushable
 * limit of zero, so anything it cannot write right away is rejected back to us (DroppedError)
 * instead of waiting or being dropped silently. The pipeline's queue is the only one that counts.
 */
import { readFileSync } from 'node:fs';
import { FluentClient, FluentError, FluentSocketEvent } from '@fluent-org/logger';
import { describeNetworkError } from '../../core/sinks/network-error.js';
import type { ResolvedFluentdOptions } from './config.js';

export function createClient(o: ResolvedFluentdOptions, onError: (err: Error) => void): FluentClient {
  const tls = o.tls.enabled
    ? {
        host: o.host,
        rejectUnauthorized: o.tls.verify,
        servername: o.tls.servername ?? o.host,
        ...(o.tls.ca_file ? { ca: readFileSync(o.tls.ca_file) } : {}),
      }
    : undefined;
  const client = new FluentClient(o.tag_prefix, {
    eventMode: o.mode,
    socket: {
      host: o.host,
      port: o.port,
      timeout: -1, // no idle disconnect: a dead peer shows up as an ack timeout or a socket error
      ...(tls ? { tls } : {}),
      reconnect: {
        delay: o.reconnect.delay_ms,
        backoff: o.reconnect.backoff,
        maxDelay: o.reconnect.max_delay_ms,
        minDelay: 0,
      },
    },
    ...(o.shared_key !== undefined
      ? {
          security: {
            clientHostname: o.self_hostname,
            sharedKey: o.shared_key,
            ...(o.username !== undefined ? { username: o.username, password: o.password ?? '' } : {}),
          },
        }
      : {}),
    ...(o.ack.enabled ? { ack: { ackTimeout: o.ack.timeout_ms } } : {}),
    sendQueueNotFlushableLimit: { length: 0, size: 0 },
  });
  client.socketOn(FluentSocketEvent.ERROR, onError);
  return client;
}

/** Waits until the client can write (connected and, with a shared key, handshake done). */
export async function waitWritable(
  client: FluentClient,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!client.writable) {
    if (Date.now() >= deadline || signal.aborted) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

export function isAuthError(err: unknown): boolean {
  return err instanceof FluentError.AuthError;
}

/** One line for a connection or handshake failure: the handshake's own errors, else the network's words. */
export function failureDetail(err: unknown): string {
  if (err instanceof FluentError.SharedKeyMismatchError) return `auth: shared key mismatch (${err.message})`;
  if (err instanceof FluentError.AuthError) return `auth: ${err.message}`;
  return describeNetworkError(err);
}

/** What a rejected emit promise means for the events it covers. */
export function outcomeOfFailure(err: unknown): { status: 'retry' | 'rejected'; error: string } {
  if (err instanceof FluentError.AckTimeoutError)
    return { status: 'retry', error: 'no ack within ack.timeout_ms' };
  if (err instanceof FluentError.DroppedError) return { status: 'retry', error: 'connection not writable' };
  if (err instanceof FluentError.AckShutdownError)
    return { status: 'retry', error: 'connection closed before the ack' };
  if (err instanceof FluentError.DataTypeError)
    return { status: 'rejected', error: `invalid record: ${(err as Error).message}` };
  return { status: 'retry', error: failureDetail(err) };
}
