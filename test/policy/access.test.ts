/**
 * access.allow_users / deny_users / allow_groups / deny_groups and permit_root_login through the
 * real server with OpenSSH's ssh: each rule lets in and turns away the right logins (test logins
 * with supplementary groups, root, a second client address), in sshd's order, and every refusal
 * is an auth.failure with its reason, a log line and "Permission denied" at the client.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ensureGroup } from '../helpers/groups.js';
import { isRoot } from '../helpers/privileged.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { ensureUser } from '../helpers/users.js';
import { PolicyServer } from './harness.js';

const A = 'sshtrail-pol-a';
const B = 'sshtrail-pol-b';
const OPS = 'sshtrail-g-ops';

const suite = (name: string, body: (p: () => PolicyServer) => void) =>
  describe(name, { skip: isRoot ? false : 'needs root: test logins' }, () => {
    let ps: PolicyServer;
    before(async () => {
      ensureUser(A);
      ensureUser(B);
      ensureGroup(OPS, [A]);
      ps = await PolicyServer.start([A, B]);
    });
    after(async () => {
      await ps?.srv.stop();
    });
    body(() => ps);
    it('every event validates', () => {
      const v = validateAuditFile(ps.srv.dataDir);
      assert.equal(v.code, 0, v.output);
    });
  });

suite('access lists', (p) => {
  it('deny_users refuses a listed login before anything else', async () => {
    await p().reconfigure({ access: { deny_users: [B], allow_users: ['sshtrail-pol-*', 'root'] } });
    assert.equal(await p().gets(A), true);
    assert.equal(await p().gets(B), false);
    const f = p().failuresFor(B);
    assert.ok(f.length >= 1);
    assert.equal(f[0]?.reason, 'login_not_allowed');
    assert.match(String(f[0]?.detail), /access\.deny_users/);
    assert.match(p().srv.logs(), /authentication refused.*login_not_allowed/);
  });

  it('allow_users with user@address: only the listed login, only from the listed address', async () => {
    await p().reconfigure({ access: { allow_users: [`${A}@127.0.0.0/30,!127.0.0.2`] } });
    assert.equal(await p().gets(A), true);
    assert.equal(await p().gets(A, { options: ['-b', '127.0.0.2'] }), false);
    assert.equal(await p().gets(B), false);
    assert.equal(await p().gets('root'), false);
    for (const who of [A, B, 'root']) {
      const f = p().failuresFor(who);
      assert.equal(f[0]?.reason, 'login_not_allowed', who);
      assert.match(String(f[0]?.detail), /not listed in access\.allow_users/);
    }
    assert.equal(p().failuresFor(A)[0]?.client_addr, '127.0.0.2');
  });

  it('deny_groups and allow_groups match supplementary groups by name, with wildcards', async () => {
    await p().reconfigure({ access: { deny_groups: [OPS] } });
    assert.equal(await p().gets(A), false);
    assert.equal(await p().gets(B), true);
    assert.match(
      String(p().failuresFor(A)[0]?.detail),
      new RegExp(`group ${OPS} is listed in access.deny_groups`),
    );

    await p().reconfigure({ access: { allow_groups: ['sshtrail-g-o?s'] } });
    assert.equal(await p().gets(A), true);
    assert.equal(await p().gets(B), false);
    assert.match(
      String(p().failuresFor(B)[0]?.detail),
      /none of the login's groups is listed in access\.allow_groups/,
    );
    // The primary group counts too (useradd --user-group made one named as the login).
    await p().reconfigure({ access: { allow_groups: [B] } });
    assert.equal(await p().gets(B), true);
    assert.equal(await p().gets(A), false);
  });

  it('users before groups: allow_users does not let in a login deny_groups refuses', async () => {
    await p().reconfigure({ access: { allow_users: [A], deny_groups: [OPS] } });
    assert.equal(await p().gets(A), false);
    assert.match(String(p().failuresFor(A)[0]?.detail), /deny_groups/);
  });
});

suite('permit_root_login', (p) => {
  it('permit_root_login: yes and prohibit-password let root in with a key, no refuses it', async () => {
    for (const value of ['yes', 'prohibit-password']) {
      await p().reconfigure({ access: { permit_root_login: value } });
      assert.equal(await p().gets('root'), true, value);
    }
    await p().reconfigure({ access: { permit_root_login: 'no' } });
    assert.equal(await p().gets('root'), false);
    assert.equal(await p().gets(A), true);
    const f = p().failuresFor('root');
    assert.equal(f[0]?.reason, 'root_login_refused');
    assert.match(String(f[0]?.detail), /permit_root_login is no/);
    assert.match(p().srv.logs(), /authentication refused.*root_login_refused/);
  });

  it('permit_root_login forced-commands-only: root only with a key whose line has command=', async () => {
    await p().reconfigure({ access: { permit_root_login: 'forced-commands-only' } });
    assert.equal(await p().gets('root'), false);
    assert.match(String(p().failuresFor('root')[0]?.detail), /forced-commands-only.*no command=/);

    const forcedKey = p().srv.newKey('root_forced');
    p().srv.authorize('root', `command="echo forced-only" ${readFileSync(`${forcedKey}.pub`, 'utf8')}`);
    const r = await p().srv.ssh(['echo asked'], { login: 'root', identity: forcedKey });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'forced-only\n');
    const [start] = await p().fresh((e) => e.type === 'session.start' && e.login === 'root');
    assert.equal(start?.forced_command, 'echo forced-only');
    assert.equal(start?.forced_by, 'authorized_keys');
    // force_command from the config does not count (as sshd): the plain key stays refused.
    await p().reconfigure({
      access: { permit_root_login: 'forced-commands-only', force_command: 'echo cfg' },
    });
    assert.equal(
      await p()
        .srv.ssh(['true'], { login: 'root' })
        .then((x) => x.code),
      255,
    );
  });
});
