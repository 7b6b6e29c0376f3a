/**
 * One TCP or TLS connection to the collector, made on demand and dropped on any error (the next
 * send reconnects; the pipeline's retry backoff paces reconnection). A write counts as done when
 * the socket has flushed it to the kernel: TCP syslog has no application acknowledgement.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { ResolvedSyslogOptions } from './config.js';

export class SyslogConnection {
  private socket: net.Socket | null = null;
  private connecting: Promise<net.Socket> | null = null;
  private lastError: Error | null = null;
  private readonly ca: Buffer | undefined;

  constructor(private readonly o: ResolvedSyslogOptions) {
    this.ca = o.tls.ca_file ? readFileSync(o.tls.ca_file) : undefined;
  }

  private connect(signal: AbortSignal): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    const p = new Promise<net.Socket>((resolve, reject) => {
      const { host, port } = this.o;
      const s: net.Socket = this.o.tls.enabled
        ? tls.connect({
            host,
            port,
            servername: this.o.tls.servername ?? (net.isIP(host) ? undefined : host),
            rejectUnauthorized: this.o.tls.verify,
            ...(this.ca ? { ca: this.ca } : {}),
          } as tls.ConnectionOptions)
        : net.connect({ host, port });
      const ready = this.o.tls.enabled ? 'secureConnect' : 'connect';
      const timer = setTimeout(
        () => fail(new Error(`connect timed out after ${this.o.connect_timeout_ms} ms`)),
        this.o.connect_timeout_ms,
      );
      const onAbort = () => fail(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error) => {
        done();
        s.destroy();
        reject(err);
      };
      s.once('error', fail);
      s.once(ready, () => {
        done();
        s.removeListener('error', fail);
        s.setNoDelay(true);
        s.setKeepAlive(true, 30_000);
        // Collectors do not talk back; anything read is ignored. Errors and close end the connection.
        s.on('data', () => {});
        s.on('error', (err) => {
          this.lastError = err;
          this.drop(s);
        });
        s.on('close', () => this.drop(s));
        this.socket = s;
        resolve(s);
      });
    });
    this.connecting = p;
    p.finally(() => {
      this.connecting = null;
    }).catch(() => {});
    return p;
  }

  private drop(s: net.Socket): void {
    if (this.socket === s) this.socket = null;
    s.destroy();
  }

  /** Writes the frames; resolves once flushed to the kernel, rejects on any socket failure. */
  async write(data: Buffer, signal: AbortSignal): Promise<void> {
    const s = await this.connect(signal);
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(this.lastError ?? new Error('connection closed'));
      s.once('close', onClose);
      s.write(data, (err) => {
        s.removeListener('close', onClose);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    if (this.socket) this.drop(this.socket);
  }
}
