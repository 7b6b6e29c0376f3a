import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { supportedAlgorithms } from '../../core/ssh/algorithms.js';
import { repoRoot, sshtrailBin, startServer, type TestServer } from '../helpers/server.js';

describe('ciphers, kex_algorithms, macs and host_key_algorithms in the config', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({
      config: {
        ciphers: ['aes128-ctr'],
        macs: ['hmac-sha2-512-etm@openssh.com'],
        kex_algorithms: ['diffie-hellman-group16-sha512'],
        host_key_algorithms: ['rsa-sha2-256'],
      },
    });
  });
  after(async () => {
    await srv.stop();
  });

  it('accepts a client that asks for the configured algorithms', async () => {
    const r = await srv.ssh(['echo ok'], {
      options: [
        '-v',
        '-o',
        'Ciphers=aes128-ctr',
        '-o',
        'MACs=hmac-sha2-512-etm@openssh.com',
        '-o',
        'KexAlgorithms=diffie-hellman-group16-sha512',
        '-o',
        'HostKeyAlgorithms=rsa-sha2-256',
      ],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'ok\n');
    assert.match(r.stderr, /cipher: aes128-ctr MAC: hmac-sha2-512-etm@openssh.com/);
    assert.match(r.stderr, /kex: algorithm: diffie-hellman-group16-sha512/);
    assert.match(r.stderr, /kex: host key algorithm: rsa-sha2-256/);
  });

  it('refuses a client whose cipher, kex, MAC or host key algorithm is not in the lists', async () => {
    for (const opt of [
      'Ciphers=chacha20-poly1305@openssh.com',
      'KexAlgorithms=curve25519-sha256',
      'MACs=hmac-sha2-256-etm@openssh.com',
      'HostKeyAlgorithms=ssh-ed25519',
    ]) {
      const r = await srv.ssh(['echo ok'], { options: ['-o', opt] });
      // The client's "Unable to negotiate" line is below the helper's LogLevel=ERROR.
      assert.equal(r.code, 255, opt);
      assert.equal(r.stdout.length, 0, opt);
    }
    assert.match(srv.logs(), /key exchange failed/);
  });

  it('stops at start on an unknown algorithm, naming the key and the algorithm', () => {
    const { mkdtempSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
    const dir = mkdtempSync(`${require('node:os').tmpdir()}/sshtrail-algo-`);
    const file = `${dir}/c.yaml`;
    writeFileSync(
      file,
      'ciphers: [aes128-ctr, rot13-cbc]\nkex_algorithms: [diffie-hellman-group-exchange-sha256]\nhost_key_algorithms: [ssh-rsa]\n',
    );
    const r = spawnSync(process.execPath, [sshtrailBin, 'serve', '--check', '--config', file], {
      encoding: 'utf8',
      cwd: repoRoot,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /ciphers\[1\]: 'rot13-cbc' is not an algorithm sshtrail supports/);
    assert.match(r.stderr, /kex_algorithms\[0\]: 'diffie-hellman-group-exchange-sha256' is not supported/);
    assert.match(r.stderr, /host_key_algorithms\[0\]: 'ssh-rsa' is not supported/);
  });

  it('names only algorithms ssh2 supports', () => {
    const c = require('ssh2/lib/protocol/constants.js') as Record<string, string[]>;
    const ssh2 = {
      ciphers: c.SUPPORTED_CIPHER,
      kex_algorithms: c.SUPPORTED_KEX,
      macs: c.SUPPORTED_MAC,
      host_key_algorithms: c.SUPPORTED_SERVER_HOST_KEY,
    };
    for (const [key, names] of Object.entries(supportedAlgorithms)) {
      for (const n of names) assert.ok(ssh2[key as keyof typeof ssh2]?.includes(n), `${key}: ${n}`);
    }
  });
});

const require = createRequire(import.meta.url);
