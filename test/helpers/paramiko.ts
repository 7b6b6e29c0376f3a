/**
 * Paramiko (python3-paramiko) against the test server, for what the OpenSSH client will not send:
 * bare publickey queries, odd user names, a second key offered with a new service request. Each
 * call is one connection running the steps of paramiko_driver.py (see there).
 *
 *   const r = await paramiko(srv, { username: '', steps: [{ op: 'auth', key: srv.keyFile }] });
 *   r.results  // ['failure']
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, type TestServer } from './server.js';

export type ParamikoStep =
  | { op: 'query'; key: string }
  | { op: 'auth'; key: string }
  | { op: 'exec'; command: string };

export type ParamikoResult = string | { stdout: string; code: number };

export interface ParamikoRun {
  results: ParamikoResult[];
  /** Whether the connection was still open after the last step. */
  active: boolean;
}

/** Debian's python3 (the package's modules are there, whatever python3 comes first in PATH). */
const python = '/usr/bin/python3';
const driver = join(repoRoot, 'test', 'helpers', 'paramiko_driver.py');

export function paramiko(
  srv: Pick<TestServer, 'port'>,
  spec: { username: string; steps: ParamikoStep[] },
): Promise<ParamikoRun> {
  return new Promise((resolve, reject) => {
    const c = execFile(python, [driver], { timeout: 60_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`paramiko driver failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as ParamikoRun);
      } catch {
        reject(new Error(`paramiko driver printed no result:\n${stdout}\n${stderr}`));
      }
    });
    c.stdin?.end(JSON.stringify({ port: srv.port, ...spec }));
  });
}
