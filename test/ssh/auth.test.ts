import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Waits until an auth.failure matching `match` was written, and returns all auth.failure events. */
async function failure(srv: TestServer, match: (e: Record<string, unknown>) => boolean) {
  const ev = await srv.waitForEvents((all) => all.some((e) => e.type === 'auth.failure' && match(e)));
  return ev.filter((e) => e.type === 'auth.failure');
}

/** Resolves when the server closes the socket (or after `ms`, with false). */
function closedByServer(sock: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    sock.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
    sock.on('error', () => {});
    sock.resume(); // read the server's banner, or its EOF never surfaces
  });
}

describe('public-key authentication', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('accepts the authorized key and reports auth.success with its fingerprint', async () => {
    const r = await srv.ssh(['true']);
    assert.equal(r.code, 0, r.stderr);
    const pub = readFileSync(`${srv.keyFile}.pub`, 'utf8').split(' ')[1] as string;
    const { createHash } = await import('node:crypto');
    const fp = `SHA256:${createHash('sha256').update(Buffer.from(pub, 'base64')).digest('base64').replace(/=+$/, '')}`;
    const ok = (await srv.waitForEvents((e) => e.some((x) => x.type === 'auth.success'))).find(
      (e) => e.type === 'auth.success',
    );
    assert.equal(ok?.fingerprint, fp);
    assert.equal(ok?.key_type, 'ssh-ed25519');
    assert.equal(ok?.method, 'publickey');
    assert.equal(ok?.login, srv.login);
  });

  it('accepts ecdsa and rsa-sha2 keys too', async () => {
    for (const type of ['ecdsa', 'rsa'] as const) {
      const key = srv.newKey(`id_${type}_ok`, type);
      srv.authorize(srv.login, readFileSync(`${key}.pub`, 'utf8'));
      const r = await srv.ssh(['true'], { identity: key });
      assert.equal(r.code, 0, `${type}: ${r.stderr}`);
    }
  });

  it('refuses a key that is not authorized', async () => {
    const key = srv.newKey('id_wrong');
    const r = await srv.ssh(['true'], { identity: key });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied \(publickey\)/);
    await failure(srv, (e) => e.reason === 'key_not_authorized' && e.login === srv.login);
  });

  it('honours from= in authorized_keys: a key limited to other addresses is refused, saying why', async () => {
    const key = srv.newKey('id_from_elsewhere');
    srv.authorize(srv.login, `from="10.0.0.0/8,192.0.2.*" ${readFileSync(`${key}.pub`, 'utf8')}`);
    const r = await srv.ssh(['true'], { identity: key });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied \(publickey\)/);
    await failure(srv, (e) => e.reason === 'key_not_authorized' && e.login === srv.login);
    assert.match(srv.logs(), /client address 127\.0\.0\.1 is not allowed by from=/);
  });

  it('lets a key in from an address its from= allows', async () => {
    const key = srv.newKey('id_from_here');
    srv.authorize(srv.login, `from="!10.1.2.3,127.0.0.0/8" ${readFileSync(`${key}.pub`, 'utf8')}`);
    const r = await srv.ssh(['echo', 'from-ok'], { identity: key });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(String(r.stdout), 'from-ok\n');
  });

  it("runs only the forced command= of a key, with the client's command in SSH_ORIGINAL_COMMAND", async () => {
    const key = srv.newKey('id_forced');
    srv.authorize(
      srv.login,
      `command="echo \\"forced, asked for: $SSH_ORIGINAL_COMMAND\\"; exit 7" ${readFileSync(`${key}.pub`, 'utf8')}`,
    );
    const r = await srv.ssh(['touch /tmp/sshtrail-must-not-exist'], { identity: key });
    assert.equal(r.code, 7, r.stderr);
    assert.equal(String(r.stdout), 'forced, asked for: touch /tmp/sshtrail-must-not-exist\n');
    // A shell request runs it too.
    const shell = await srv.ssh([], { identity: key, input: 'echo not-run\n' });
    assert.equal(shell.code, 7);
    assert.equal(String(shell.stdout), 'forced, asked for: \n');
    const events = await srv.waitForEvents(
      (e) => e.filter((x) => x.type === 'session.end' && x.exit_code === 7).length >= 2,
    );
    // session.start: what the client asked for, and what ran instead.
    const forced = 'echo "forced, asked for: $SSH_ORIGINAL_COMMAND"; exit 7';
    const starts = events.filter((e) => e.type === 'session.start' && e.forced_command === forced);
    assert.deepEqual(starts.map((e) => `${e.kind}: ${e.command ?? '-'}`).sort(), [
      'exec: touch /tmp/sshtrail-must-not-exist',
      'shell: -',
    ]);
  });

  it('refuses a terminal to a key with no-pty or restrict, and grants one with restrict,pty', async () => {
    const key = srv.newKey('id_nopty');
    srv.authorize(srv.login, `restrict ${readFileSync(`${key}.pub`, 'utf8')}`);
    const r = await srv.ssh(['tty; exit 0'], { identity: key, tty: true });
    // The server refuses the pty request; OpenSSH's client, told to force one (-tt), gives up.
    assert.match(r.stderr, /PTY allocation request failed/);
    assert.equal(r.code, 255);
    const ok = srv.newKey('id_pty');
    srv.authorize(srv.login, `restrict,pty ${readFileSync(`${ok}.pub`, 'utf8')}`);
    const t = await srv.ssh(['tty; exit 0'], { identity: ok, tty: true });
    assert.equal(t.code, 0, t.stderr);
    assert.match(String(t.stdout), /^\/dev\/pts\//);
  });

  it('refuses an expired key and a key whose options sshtrail cannot honour', async () => {
    const expired = srv.newKey('id_expired');
    srv.authorize(srv.login, `expiry-time="20200101Z" ${readFileSync(`${expired}.pub`, 'utf8')}`);
    assert.equal((await srv.ssh(['true'], { identity: expired })).code, 255);
    const cert = srv.newKey('id_principals');
    srv.authorize(srv.login, `principals="ops" ${readFileSync(`${cert}.pub`, 'utf8')}`);
    assert.equal((await srv.ssh(['true'], { identity: cert })).code, 255);
    await failure(srv, (e) => e.reason === 'key_not_authorized' && e.login === srv.login);
    assert.match(srv.logs(), /expired at 2020-01-01T00:00:00\.000Z/);
    assert.match(srv.logs(), /option principals is not supported/);
  });

  it('refuses an unknown login with the same answer as a wrong key', async () => {
    const wrong = await srv.ssh(['true'], { identity: srv.newKey('id_wrong2') });
    const unknown = await srv.ssh(['true'], { login: 'no-such-user-here' });
    assert.equal(unknown.code, 255);
    const answer = (s: string) => s.replace(/^[^@]*@/, '');
    assert.equal(answer(unknown.stderr), answer(wrong.stderr));
    assert.match(unknown.stderr, /Permission denied \(publickey\)/);
    await failure(srv, (e) => e.reason === 'unknown_login' && e.login === 'no-such-user-here');
  });

  it('refuses a key authorized only for another login', async (t) => {
    if (!isRoot) {
      // Not root: every other login is refused anyway (only the server's own user can log in).
      t.skip('needs root to have another login that could log in');
      return;
    }
    const key = srv.newKey('id_daemon');
    srv.authorize('daemon', readFileSync(`${key}.pub`, 'utf8'));
    const r = await srv.ssh(['true'], { identity: key });
    assert.equal(r.code, 255);
    await failure(
      srv,
      (e) => e.reason === 'key_not_authorized' && e.login === srv.login && e.key_type === 'ssh-ed25519',
    );
  });
});

describe('authentication limits', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ config: { auth: { max_attempts: 2, grace_time: 1, max_unauthenticated: 2 } } });
  });
  after(async () => {
    await srv.stop();
  });

  it('drops the connection after max_attempts failed attempts', async () => {
    const keys = ['a', 'b', 'c'].map((n) => srv.newKey(`id_${n}`));
    const r = await srv.ssh(['true'], {
      identity: keys[0],
      options: ['-i', keys[1] as string, '-i', keys[2] as string],
    });
    assert.equal(r.code, 255);
    const f = await failure(srv, (e) => e.reason === 'too_many_attempts');
    assert.equal(f.filter((e) => e.reason === 'key_not_authorized').length, 2);
  });

  it('closes a connection that does not authenticate within the grace time', async () => {
    const sock = connect(srv.port, '127.0.0.1');
    assert.equal(await closedByServer(sock, 20_000), true);
    await srv.waitForEvents((e) => e.some((x) => x.type === 'auth.failure' && x.reason === 'grace_timeout'));
  });

  it('refuses connections past the cap on unauthenticated ones', async () => {
    const idle = [connect(srv.port, '127.0.0.1'), connect(srv.port, '127.0.0.1')];
    await Promise.all(idle.map((s) => new Promise((r) => s.once('connect', r))));
    // Let the server accept both before the third arrives.
    await new Promise((r) => setTimeout(r, 200));
    const third = connect(srv.port, '127.0.0.1');
    assert.equal(await closedByServer(third, 20_000), true);
    await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'auth.failure' && x.reason === 'connection_limit'),
    );
    for (const s of idle) s.destroy();
  });
});
