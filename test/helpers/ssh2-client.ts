/**
 * For what the OpenSSH client cannot do (signal requests, several channels on one connection):
 * ssh2's own client, logged in with the test server's authorized key. `use` gets the ready
 * connection; the connection ends when its promise settles.
 */
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import type { TestServer } from './server.js';

export function withSsh2Client<T>(srv: TestServer, use: (conn: ssh2.Client) => Promise<T>): Promise<T> {
  const conn = new ssh2.Client();
  return new Promise<T>((resolve, reject) => {
    conn
      .on('ready', () => {
        use(conn)
          .then(resolve, reject)
          .finally(() => conn.end());
      })
      .on('error', reject)
      .connect({
        host: '127.0.0.1',
        port: srv.port,
        username: srv.login,
        privateKey: readFileSync(srv.keyFile),
      });
  });
}
