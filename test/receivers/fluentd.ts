/**
 * A Fluentd forward input: the Fluentd project's own FluentServer (@fluent-org/logger) with its
 * handshake (shared key, optional user auth), TLS and chunk acks, behind a small TCP proxy that
 * injects faults: down (the port refuses), connection reset mid-message, slow delivery, missing
 * acks (server-to-client bytes dropped) and malformed replies (garbage instead of acks).
 */
import net, { type AddressInfo } from 'node:net';
import type tls from 'node:tls';
import { FluentServer } from '@fluent-org/logger';

export interface ForwardEntry {
  tag: string;
  time: { epoch: number; nano: number } | number;
  record: Record<string, unknown>;
}

export interface ForwardFaults {
  resetNext?: number;
  dropAcks?: boolean;
  /** Replace what the server sends (acks) with bytes that are not msgpack for the protocol. */
  garbage?: boolean;
  delayMs?: number;
}

export class FluentdReceiver {
  readonly entries: ForwardEntry[] = [];
  faults: ForwardFaults = {};
  /** Entries received (kept or, with keep = false, only counted: benchmarks). */
  received = 0;
  keep = true;
  private readonly server: FluentServer;
  private proxy: net.Server | null = null;
  private readonly conns = new Set<net.Socket>();
  port = 0;

  constructor(
    opts: {
      sharedKey?: string;
      serverHostname?: string;
      users?: Record<string, string>;
      tls?: tls.TlsOptions;
    } = {},
  ) {
    this.server = new FluentServer({
      listenOptions: { port: 0, host: '127.0.0.1' },
      ...(opts.sharedKey
        ? {
            security: {
              serverHostname: opts.serverHostname ?? 'receiver',
              sharedKey: opts.sharedKey,
              authorize: opts.users !== undefined,
              userDict: opts.users ?? {},
            },
          }
        : {}),
      ...(opts.tls ? { tlsOptions: opts.tls } : {}),
    });
    this.server.on('entry', (tag: string, time: ForwardEntry['time'], record: Record<string, unknown>) => {
      this.received++;
      if (this.keep) this.entries.push({ tag, time, record });
    });
  }

  async start(): Promise<void> {
    if (this.server.port === undefined) await this.server.listen();
    if (this.proxy) return;
    const upstreamPort = this.server.port as number;
    const proxy = net.createServer((client) => {
      const upstream = net.connect(upstreamPort, '127.0.0.1');
      this.conns.add(client);
      this.conns.add(upstream);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.conns.delete(client);
        this.conns.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      client.on('data', (d: Buffer) => {
        if (this.faults.resetNext) {
          this.faults.resetNext--;
          client.resetAndDestroy();
          upstream.destroy();
          return;
        }
        if (this.faults.delayMs) setTimeout(() => upstream.write(d), this.faults.delayMs);
        else upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        if (this.faults.garbage) client.write(Buffer.from([0xc1, 0xc1, 0xc1, 0xc1]));
        else if (!this.faults.dropAcks) client.write(d);
      });
    });
    await new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (proxy.address() as AddressInfo).port;
    this.proxy = proxy;
  }

  /** The port refuses connections; open ones are reset. */
  async stop(): Promise<void> {
    const p = this.proxy;
    if (!p) return;
    this.proxy = null;
    for (const c of this.conns) c.destroy();
    await new Promise<void>((r) => p.close(() => r()));
  }

  async close(): Promise<void> {
    await this.stop();
    await this.server.close();
  }
}
