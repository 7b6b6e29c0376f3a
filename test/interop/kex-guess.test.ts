/**
 * A client that sends its guessed key-exchange packet right behind its KEXINIT
 * (first_kex_packet_follows): Dropbear's dbclient does. ssh2 1.17 judged every guess wrong and
 * dropped the packet, so dbclient hung after the server's KEXINIT (patches/README.md).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { needs } from '../helpers/privileged.js';
import { startServer, type TestServer } from '../helpers/server.js';

const hasDbclient = spawnSync('dbclient', ['-h']).error === undefined;

describe('a guessed KEX packet after KEXINIT', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('is used when the guess was right: dbclient runs a command', (t) => {
    if (!needs(t, hasDbclient, 'dbclient (Debian dropbear-bin) is not installed')) return;
    const home = join(srv.dir, 'dropbear-home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const key = join(srv.dir, 'id_dropbear');
    execFileSync('dropbearconvert', ['openssh', 'dropbear', srv.keyFile, key], { stdio: 'ignore' });
    const r = spawnSync(
      'dbclient',
      ['-y', '-i', key, '-p', String(srv.port), `${srv.login}@127.0.0.1`, 'echo via-$((6*7))'],
      {
        encoding: 'utf8',
        env: { ...process.env, HOME: home },
        input: '',
        timeout: 30_000,
      },
    );
    assert.equal(r.signal, null, `dbclient hung; stderr: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'via-42\n');
  });
});
