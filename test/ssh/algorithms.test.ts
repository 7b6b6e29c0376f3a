import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, startServer, type TestServer } from '../helpers/server.js';

const paramikoClient = join(repoRoot, 'test', 'interop', 'drivers', 'paramiko_client.py');

describe('offered algorithms', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('pass ssh-audit with no failing algorithm and no SHA-1, NIST-curve or compression offer', () => {
    const r = spawnSync('ssh-audit', ['-n', '-p', String(srv.port), '127.0.0.1'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = r.stdout;
    assert.match(out, /\(kex\) curve25519-sha256 /, out);
    assert.doesNotMatch(out, /\[fail\]/, out);
    // The one warning this ssh-audit version gives is for OpenSSH's strict-kex marker (the
    // Terrapin countermeasure), which it does not know yet.
    const warnings = out.split('\n').filter((l) => l.includes('[warn]'));
    assert.deepEqual(
      warnings.filter((l) => !l.includes('kex-strict-s-v00@openssh.com')),
      [],
      out,
    );
    assert.doesNotMatch(out, /\(key\) ssh-rsa|hmac-sha1|ecdh-sha2-nistp|ecdsa-sha2|zlib|-cbc/, out);
    assert.match(out, /\(gen\) banner: SSH-2\.0-sshtrail\s*$/m);
    assert.match(out, /rsa-sha2-512 \(3072-bit\)/);
  });

  it('negotiates chacha20-poly1305 with OpenSSH by default', async () => {
    const r = await srv.ssh(['true'], { options: ['-v'] });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /cipher: chacha20-poly1305@openssh\.com/);
  });

  it('completes a key exchange with every KEX, cipher and MAC it offers', async () => {
    // ssh2's server has no group exchange: offering one broke clients that prefer it.
    const probe = await srv.ssh(['true'], { options: ['-vv'] });
    const offer = (what: string): string[] => {
      const m = new RegExp(`peer server KEXINIT proposal[\\s\\S]*?debug2: ${what}: (\\S+)`).exec(
        probe.stderr,
      );
      assert.ok(m, probe.stderr);
      return (m[1] as string).split(',').filter((a) => !a.startsWith('kex-strict-'));
    };
    const tries = [
      ...offer('KEX algorithms').map((a) => ['-o', `KexAlgorithms=${a}`]),
      ...offer('ciphers ctos').map((a) => ['-o', `Ciphers=${a}`]),
      ...offer('MACs ctos').map((a) => ['-o', `Ciphers=aes128-ctr`, '-o', `MACs=${a}`]),
    ];
    for (const options of tries) {
      const r = await srv.ssh(['echo ok'], { options });
      assert.equal(r.code, 0, `${options.join(' ')}: ${r.stderr}`);
    }
  });

  it('uses the host keys named in the config instead of generated ones', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { generateKey } = await import('../helpers/server.js');
    const dir = mkdtempSync(join(tmpdir(), 'sshtrail-hostkey-'));
    const hostKey = generateKey(join(dir, 'host_ed25519'));
    const own = await startServer({ config: { host_keys: [hostKey] } });
    try {
      const r = spawnSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(own.port), '127.0.0.1'], {
        encoding: 'utf8',
      });
      const offered = r.stdout.trim().split(/\s+/).slice(1, 3).join(' ');
      assert.equal(offered, readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '));
    } finally {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells clients the user-key signatures it accepts: server-sig-algs without ssh-rsa or ssh-dss', async () => {
    const r = await srv.ssh(['true'], { options: ['-vvv'] });
    assert.equal(r.code, 0, r.stderr);
    const m = /kex_input_ext_info: server-sig-algs=<([^>]*)>/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.deepEqual((m[1] as string).split(','), [
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
  });

  it('refuses an RSA key signed with SHA-1 (ssh-rsa), as sshd does, saying why in the event and log', async () => {
    // OpenSSH and today's Paramiko will not sign with ssh-rsa once the server leaves it out of
    // server-sig-algs: the driver makes Paramiko sign as it did before 2.9.
    const key = srv.newKey('id_rsa_sha1', 'rsa');
    srv.authorize(srv.login, readFileSync(`${key}.pub`, 'utf8'));
    const paramiko = (disabled: string) =>
      spawnSync(
        '/usr/bin/python3',
        [paramikoClient, '127.0.0.1', String(srv.port), srv.login, key, 'exec', 'echo signed', disabled],
        { encoding: 'utf8', timeout: 60_000 },
      );
    const sha1 = paramiko('ssh-rsa');
    assert.equal(sha1.status, 255, sha1.stderr);
    const events = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'auth.failure' && x.key_type === 'ssh-rsa'),
    );
    const refused = events.find((x) => x.type === 'auth.failure' && x.key_type === 'ssh-rsa');
    assert.equal(refused?.reason, 'method_not_allowed');
    assert.match(String(refused?.detail), /ssh-rsa signatures \(SHA-1\) are not accepted/);
    await srv.waitForLog(/authentication refused.*SHA-1/);
    // The same key and client signing with SHA-2 log in.
    const sha2 = paramiko('');
    assert.equal(sha2.status, 0, sha2.stderr);
    assert.equal(sha2.stdout, 'signed\n');
  });
});
