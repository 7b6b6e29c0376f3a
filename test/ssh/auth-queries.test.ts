/**
 * Publickey queries ("would this key do?", no signature) count toward auth.max_attempts, and the
 * login's account is resolved in process, once per connection: a client knowing only an
 * authorized public key can neither ask without end nor make the server spawn a child per query.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { paramiko } from '../helpers/paramiko.js';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';

const failures = (ev: EventRecord[]) => ev.filter((e) => e.type === 'auth.failure');

describe('publickey queries and the attempt limit', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ config: { auth: { max_attempts: 3 }, log: { level: 'debug' } } });
  });
  after(async () => {
    await srv.stop();
  });

  it('disconnects a client that keeps asking about an authorized key after max_attempts queries', async () => {
    const r = await paramiko(srv, {
      username: srv.login,
      steps: Array.from({ length: 10 }, () => ({ op: 'query' as const, key: srv.keyFile })),
    });
    assert.deepEqual(r.results, ['pk_ok', 'pk_ok', 'pk_ok', 'closed']);
    assert.equal(r.active, false);
    const ev = await srv.waitForEvents((e) => failures(e).some((x) => x.reason === 'too_many_attempts'));
    const limit = failures(ev).find((x) => x.reason === 'too_many_attempts');
    assert.equal(limit?.attempts, 3);
    assert.equal(limit?.queries, 3);
    assert.equal(limit?.login, srv.login);
    assert.equal(limit?.client_addr, '127.0.0.1');
    // Each query is logged.
    assert.equal(srv.logs().match(/publickey query: key acceptable/g)?.length, 3, srv.logs());
  });

  it('counts queries for keys that are not authorized as failed attempts', async () => {
    const other = srv.newKey('id_unlisted');
    const r = await paramiko(srv, {
      username: srv.login,
      steps: Array.from({ length: 6 }, () => ({ op: 'query' as const, key: other })),
    });
    assert.deepEqual(r.results, ['failure', 'failure', 'closed']);
  });

  it('still lets in a client whose authorized key comes after max_attempts - 1 refused ones', async () => {
    // OpenSSH queries each key and signs with the one answered yes: query and signature are one
    // attempt, so the third key of three gets in with max_attempts 3, as with sshd.
    const wrong = ['w1', 'w2'].map((n) => srv.newKey(`id_${n}`));
    const r = await srv.ssh(['echo', 'third-key'], {
      identity: wrong[0],
      options: ['-i', wrong[1] as string, '-i', srv.keyFile],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(String(r.stdout), 'third-key\n');
  });
});

describe('account lookup', () => {
  let srv: TestServer;
  let shim: string;
  const calls = () => {
    try {
      return readFileSync(join(shim, 'calls'), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  before(async () => {
    // getent and id shims first in the server's PATH: each records its call, then runs the real
    // one; the getent shim also knows one account of its own, as LDAP or sss would.
    shim = mkdtempSync(join(tmpdir(), 'sshtrail-shim-'));
    const record = `echo "$(basename "$0") $*" >> ${join(shim, 'calls')}`;
    writeFileSync(
      join(shim, 'getent'),
      `#!/bin/sh\n${record}\n` +
        'if [ "$1 $2" = "passwd sshtrail-nss-only" ]; then echo "sshtrail-nss-only:x:4242:4242::/nonexistent:/bin/sh"; exit 0; fi\n' +
        'if [ "$1 $2" = "initgroups sshtrail-nss-only" ]; then echo "sshtrail-nss-only 4242 4243"; exit 0; fi\n' +
        'exec /usr/bin/getent "$@"\n',
      { mode: 0o755 },
    );
    writeFileSync(join(shim, 'id'), `#!/bin/sh\n${record}\nexec /usr/bin/id "$@"\n`, { mode: 0o755 });
    srv = await startServer({
      config: { auth: { max_attempts: 20 } },
      env: { PATH: `${shim}:${process.env.PATH ?? '/usr/bin:/bin'}` },
    });
  });
  after(async () => {
    await srv.stop();
    rmSync(shim, { recursive: true, force: true });
  });

  it('resolves a login from the account files without a child process, however many queries', async () => {
    const r = await paramiko(srv, {
      username: srv.login,
      steps: [
        ...Array.from({ length: 8 }, () => ({ op: 'query' as const, key: srv.keyFile })),
        { op: 'auth', key: srv.keyFile },
        { op: 'exec', command: 'echo in' },
      ],
    });
    assert.deepEqual(r.results.slice(0, 9), [...Array(8).fill('pk_ok'), 'success']);
    assert.deepEqual(r.results[9], { stdout: 'in\n', code: 0 });
    assert.deepEqual(calls(), []);
  });

  it('asks the name service once per connection for a login the files do not have', async (t) => {
    if (!isRoot) {
      t.skip('needs root: a server not running as root refuses every other login before looking it up');
      return;
    }
    const steps = Array.from({ length: 5 }, () => ({ op: 'query' as const, key: srv.keyFile }));
    const r = await paramiko(srv, { username: 'sshtrail-nss-only', steps });
    assert.deepEqual(r.results, Array(5).fill('failure'));
    // Found (the keys file is what is missing), not an unknown login.
    const ev = await srv.waitForEvents(
      (e) => failures(e).filter((x) => x.login === 'sshtrail-nss-only').length >= 5,
    );
    for (const f of failures(ev).filter((x) => x.login === 'sshtrail-nss-only')) {
      assert.equal(f.reason, 'key_not_authorized', JSON.stringify(f));
      assert.match(String(f.detail), /no authorized keys file/);
    }
    // The shadow entry too (expiry and lock, as sshd's getspnam() asks the same sources).
    assert.deepEqual(calls(), [
      'getent passwd sshtrail-nss-only',
      'getent initgroups sshtrail-nss-only',
      'getent shadow sshtrail-nss-only',
    ]);
  });
});
