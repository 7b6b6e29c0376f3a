/**
 * The policy's pure parts: sshd's patterns and pattern lists, allowed_user()'s order, match
 * resolution (first match wins per key, forwarding key by key), and config errors naming the key
 * path.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, validateConfig } from '../../core/compose/config.js';
import { SshtrailError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { isSftpOnly, loginRefusal, resolveLoginPolicy } from '../../core/policy/login-policy.js';
import { matchPattern, matchPatternList } from '../../core/policy/patterns.js';

const who = (login: string, groups: string[] = [], address = '127.0.0.1') => ({ login, groups, address });

describe('sshd patterns', () => {
  it('matches * and ? over the whole name, case-sensitive, nothing else special', () => {
    assert.ok(matchPattern('deploy-7', 'deploy-?'));
    assert.ok(!matchPattern('deploy-17', 'deploy-?'));
    assert.ok(matchPattern('a.b', 'a.b') && !matchPattern('axb', 'a.b'));
    assert.ok(!matchPattern('Root', 'root'));
    assert.ok(matchPattern('', '*'));
  });
  it('pattern lists: a negated match fails the list, negations alone match nothing', () => {
    assert.equal(matchPatternList('bob', ['*', '!root']), 1);
    assert.equal(matchPatternList('root', ['*', '!root']), -1);
    assert.equal(matchPatternList('bob', ['!root']), 0);
  });
});

describe('access lists (sshd allowed_user order)', () => {
  const access = (over: Record<string, unknown>) => validateConfig({ access: over }).access;
  it('deny_users before allow_users, users before groups, primary and supplementary groups', () => {
    assert.match(
      String(loginRefusal(access({ allow_users: ['a'], deny_users: ['a'] }), who('a'))),
      /deny_users/,
    );
    assert.equal(loginRefusal(access({ allow_users: ['a*'] }), who('ab')), undefined);
    assert.match(
      String(loginRefusal(access({ allow_users: ['a'], deny_groups: ['wheel'] }), who('a', ['a', 'wheel']))),
      /group wheel is listed in access.deny_groups/,
    );
    assert.equal(loginRefusal(access({ allow_groups: ['a'] }), who('a', ['a'])), undefined);
    assert.match(String(loginRefusal(access({ allow_groups: ['x'] }), who('a', []))), /not in any group/);
  });
  it('user@address: the address part is a list of addresses, wildcards and CIDR blocks', () => {
    const a = access({ allow_users: ['ops@10.0.0.0/8,!10.9.9.9', 'ci@192.0.2.?'] });
    assert.equal(loginRefusal(a, who('ops', [], '10.1.2.3')), undefined);
    assert.ok(loginRefusal(a, who('ops', [], '10.9.9.9')));
    assert.ok(loginRefusal(a, who('ops', [], '::ffff:11.0.0.1')));
    assert.equal(loginRefusal(a, who('ci', [], '::ffff:192.0.2.5')), undefined);
  });
});

describe('match resolution', () => {
  const config = validateConfig({
    access: { force_command: '/bin/global', permit_tty: true },
    sftp: { enabled: true },
    match: [
      {
        name: 'one',
        when: { user: ['a*', '!admin'] },
        set: { permit_tty: false, forwarding: { tcp: 'none' } },
      },
      {
        when: { group: ['staff'] },
        set: { permit_tty: true, force_command: 'none', forwarding: { agent: false, tcp: 'all' } },
      },
      { when: { address: ['192.0.2.0/24'] }, set: { sftp: false, permit_root_login: 'no' } },
    ],
  });
  const withForwarding = {
    ...config,
    forwarding: { ...config.forwarding, tcp: 'all' as const, agent: true },
  };

  it('first matching block wins per key, over the value outside any block', () => {
    const p = resolveLoginPolicy(withForwarding, who('anna', ['staff'], '192.0.2.9'));
    assert.deepEqual(p.matched, ['one', 'match[1]', 'match[2]']);
    assert.equal(p.permitTty, false);
    assert.equal(p.forceCommand, undefined);
    assert.equal(p.sftp, false);
    assert.equal(p.permitRootLogin, 'no');
    assert.deepEqual(p.forwarding, { tcp: 'none', agent: false, gateway_ports: 'no' });
  });
  it('no block: the global values', () => {
    const p = resolveLoginPolicy(withForwarding, who('admin', ['wheel']));
    assert.deepEqual(p.matched, []);
    assert.equal(p.forceCommand, '/bin/global');
    assert.equal(p.permitTty, true);
    assert.equal(p.permitRootLogin, 'prohibit-password');
    assert.deepEqual(p.forwarding, { tcp: 'all', agent: true, gateway_ports: 'no' });
  });
  it('a group criterion fails when any group hits a negated entry', () => {
    const c = validateConfig({ match: [{ when: { group: ['*', '!wheel'] }, set: { permit_tty: false } }] });
    assert.equal(resolveLoginPolicy(c, who('x', ['staff'])).permitTty, false);
    assert.equal(resolveLoginPolicy(c, who('x', ['staff', 'wheel'])).permitTty, true);
  });
  it('SFTP-only: internal-sftp (with arguments) or the configured sftp-server', () => {
    assert.ok(isSftpOnly('internal-sftp', '/usr/lib/openssh/sftp-server'));
    assert.ok(isSftpOnly('internal-sftp -d /upload', '/usr/lib/openssh/sftp-server'));
    assert.ok(isSftpOnly('/usr/lib/openssh/sftp-server -l INFO', '/usr/lib/openssh/sftp-server'));
    assert.ok(!isSftpOnly('internal-sftpx', '/usr/lib/openssh/sftp-server'));
    assert.ok(!isSftpOnly(undefined, '/usr/lib/openssh/sftp-server'));
  });
});

describe('access and match config errors', () => {
  const errorOf = (raw: unknown): string => {
    try {
      validateConfig(raw);
    } catch (err) {
      assert.ok(err instanceof SshtrailError);
      return err.message;
    }
    assert.fail('accepted');
  };
  it('name the key path', () => {
    assert.match(
      errorOf({ access: { permit_root_login: 'maybe' } }),
      /access\.permit_root_login: must be one of/,
    );
    assert.match(
      errorOf({ access: { allow_users: ['!root'] } }),
      /access\.allow_users\[0\]: must match pattern/,
    );
    assert.match(
      errorOf({ access: { deny_users: ['a@10.0.0.0/33'] } }),
      /access\.deny_users\[0\]: 'a@10\.0\.0\.0\/33'|access\.deny_users\[0\]: '10\.0\.0\.0\/33' is not a CIDR block/,
    );
    assert.match(
      errorOf({ access: { allow_users: ['a@host.example.com'] } }),
      /access\.allow_users\[0\]: .*no DNS/,
    );
    assert.match(
      errorOf({ match: [{ when: { address: ['10.0.0.0/99'] }, set: { sftp: false } }] }),
      /match\[0\]\.when\.address\[0\]: '10\.0\.0\.0\/99' is not a CIDR block/,
    );
    assert.match(
      errorOf({ match: [{ when: { user: ['a'] }, set: { permit_x11: true } }] }),
      /match\[0\]\.set\.permit_x11: unknown key/,
    );
    assert.match(
      errorOf({ match: [{ when: {}, set: { sftp: false } }] }),
      /match\[0\]\.when: must NOT have fewer than 1 properties/,
    );
    assert.match(
      errorOf({ match: [{ when: { user: ['a'] } }] }),
      /match\[0\]: must have required property 'set'/,
    );
  });
});

describe('the example policy config', () => {
  it('loads, and gives what its comments say', () => {
    const c = loadConfig(join(packageRoot(), 'examples/policy/sshtrail.yaml'), {
      data_dir: '/tmp/sshtrail-example',
    });
    const scan = resolveLoginPolicy(c, who('scans', ['sftp-only'], '10.1.2.3'));
    assert.equal(scan.forceCommand, 'internal-sftp');
    assert.equal(scan.permitTty, false);
    assert.deepEqual(scan.matched, ['sftp-only']);
    const away = resolveLoginPolicy(c, who('ana', ['ssh-users'], '198.51.100.7'));
    assert.equal(away.sftp, false);
    assert.equal(away.permitRootLogin, 'no');
    assert.match(String(loginRefusal(c.access, who('ana', ['ssh-users'], '203.0.113.9'))), /deny_users/);
  });
});
