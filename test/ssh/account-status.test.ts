/**
 * Accounts sshd refuses whatever the key: expired (usermod -e 1), locked (usermod -L) under
 * auth.locked_accounts refuse (sshd without PAM), and one whose shell does not exist. Each is an
 * auth.failure with its own reason and a log line; a nologin shell is not refused (it runs and
 * says so, as under sshd). By default a locked account's key logs in, as under Debian's sshd with
 * PAM, and auth.success says so. The login is put back after every case.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, modifyUser, type TestUser } from '../helpers/users.js';

const failures = (ev: EventRecord[]) => ev.filter((e) => e.type === 'auth.failure');

describe('accounts sshd refuses', { skip: isRoot ? false : 'needs root: changes a test login' }, () => {
  let srv: TestServer;
  let user: TestUser;

  const restore = () => modifyUser(user.name, ['--expiredate', '', '--unlock', '--shell', '/bin/bash']);

  before(async () => {
    user = ensureUser('sshtrail-refuse');
    srv = await startServer({ config: { auth: { locked_accounts: 'refuse' } } });
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    restore();
  });
  after(async () => {
    restore();
    await srv.stop();
  });

  it('lets the account in as it is', async () => {
    const r = await srv.ssh(['echo', 'ok'], { login: user.name });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(String(r.stdout), 'ok\n');
  });

  for (const [what, args, reason, detail] of [
    ['an expired account', ['--expiredate', '1'], 'account_expired', /expired on day 1/],
    ['a locked account', ['--lock'], 'account_locked', /locked/],
    [
      'a shell that does not exist',
      ['--shell', '/nonexistent/sh'],
      'invalid_shell',
      /\/nonexistent\/sh does not exist/,
    ],
  ] as const) {
    it(`refuses ${what} with reason ${reason}`, async () => {
      modifyUser(user.name, [...args]);
      try {
        const before = failures(srv.readEvents()).length;
        const r = await srv.ssh(['echo', 'in'], { login: user.name });
        assert.notEqual(r.code, 0, 'logged in');
        assert.doesNotMatch(String(r.stdout), /in/);
        const ev = await srv.waitForEvents((e) => failures(e).length > before);
        const f = failures(ev)
          .slice(before)
          .find((x) => x.login === user.name);
        assert.equal(f?.reason, reason, JSON.stringify(f));
        assert.match(String(f?.detail), detail);
        await srv.waitForLog(new RegExp(`authentication refused.*${reason}`));
      } finally {
        restore();
      }
    });
  }

  it('runs a nologin shell, which refuses by itself, as sshd does', async () => {
    modifyUser(user.name, ['--shell', '/usr/sbin/nologin']);
    try {
      const before = srv.readEvents().length;
      const r = await srv.ssh(['echo', 'in'], { login: user.name });
      assert.equal(r.code, 1, r.stderr);
      assert.match(String(r.stdout) + r.stderr, /not available/);
      const ev = await srv.waitForEvents((e) =>
        e.some((x) => x.type === 'session.end' && x.login === user.name),
      );
      assert.deepEqual(
        failures(ev.slice(before)).filter((x) => x.login === user.name),
        [],
      );
    } finally {
      restore();
    }
  });
});

describe('a locked account by default', { skip: isRoot ? false : 'needs root: changes a test login' }, () => {
  let srv: TestServer;
  let user: TestUser;
  before(async () => {
    user = ensureUser('sshtrail-locked');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
  });
  after(async () => {
    modifyUser(user.name, ['--password', '*']);
    await srv.stop();
  });

  it("logs in with a key, as Debian's sshd with PAM, and auth.success says the account is locked", async () => {
    const plain = await srv.ssh(['echo', 'ok'], { login: user.name });
    assert.equal(plain.code, 0, plain.stderr);
    // The password field as Debian's useradd leaves it.
    modifyUser(user.name, ['--password', '!']);
    const r = await srv.ssh(['echo', 'ok'], { login: user.name });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(String(r.stdout), 'ok\n');
    const ev = await srv.waitForEvents((e) => e.filter((x) => x.type === 'auth.success').length >= 2);
    assert.deepEqual(
      ev.filter((x) => x.type === 'auth.success').map((x) => x.account_locked),
      [undefined, true],
    );
    await srv.waitForLog(/authenticated.*account_locked/);
  });

  it('still refuses a locked account whose shell does not exist (the lock is let through, not the rest)', async () => {
    modifyUser(user.name, ['--password', '!', '--shell', '/nonexistent/sh']);
    try {
      const before = failures(srv.readEvents()).length;
      const r = await srv.ssh(['echo', 'in'], { login: user.name });
      assert.notEqual(r.code, 0, 'logged in');
      const ev = await srv.waitForEvents((e) => failures(e).length > before);
      assert.equal(
        failures(ev)
          .slice(before)
          .find((x) => x.login === user.name)?.reason,
        'invalid_shell',
      );
    } finally {
      modifyUser(user.name, ['--password', '*', '--shell', '/bin/bash']);
    }
  });
});
