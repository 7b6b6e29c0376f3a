import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressAllowed } from '../../core/policy/address-match.js';
import { parseAuthorizedKeys } from '../../core/ssh/authorized-keys.js';
import { parseExpiry, parseKeyOptions } from '../../core/ssh/key-options.js';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIJx0e1h0c3RrZXkgZm9yIHRlc3RzIG9ubHkgISEhISEh';

describe('authorized_keys lines', () => {
  it('reads keys with and without options, quoted values holding commas and spaces', () => {
    const keys = parseAuthorizedKeys(
      [
        '# comment',
        `ssh-ed25519 ${KEY} plain`,
        `from="10.0.0.0/8,!10.1.2.3",command="echo \\"a, b\\" ssh-ed25519 x",no-pty ssh-ed25519 ${KEY} opts`,
        '',
        `cert-authority ssh-ed25519 ${KEY}`,
        'garbage line',
      ].join('\n'),
    );
    assert.equal(keys.length, 3);
    assert.deepEqual(keys[0]?.options, { noPty: false });
    assert.equal(keys[0]?.line, 2);
    assert.deepEqual(keys[1]?.options, {
      noPty: true,
      from: ['10.0.0.0/8', '!10.1.2.3'],
      command: 'echo "a, b" ssh-ed25519 x',
    });
    assert.ok(keys[1]?.blob.equals(Buffer.from(KEY, 'base64')));
    assert.match(keys[2]?.unusable ?? '', /cert-authority is not supported/);
  });

  it('restrict turns off the pty, port and agent forwarding unless pty, port-forwarding or agent-forwarding follows', () => {
    assert.deepEqual(parseKeyOptions('restrict'), {
      ok: true,
      options: { noPty: true, noPortForwarding: true, noAgentForwarding: true },
    });
    assert.deepEqual(parseKeyOptions('restrict,pty,port-forwarding'), {
      ok: true,
      options: { noPty: false, noPortForwarding: false, noAgentForwarding: true },
    });
    assert.deepEqual(parseKeyOptions('restrict,agent-forwarding'), {
      ok: true,
      options: { noPty: true, noPortForwarding: true, noAgentForwarding: false },
    });
    assert.deepEqual(
      parseKeyOptions('no-port-forwarding,no-agent-forwarding,no-X11-forwarding,permitopen="h:1",no-user-rc'),
      {
        ok: true,
        options: {
          noPty: false,
          noPortForwarding: true,
          noAgentForwarding: true,
          permitOpen: [{ host: 'h', port: 1 }],
        },
      },
    );
  });

  it('reads permitopen and permitlisten lists as sshd does', () => {
    assert.deepEqual(parseKeyOptions('permitopen="db:5432,[::1]:*",permitlisten="8080,0.0.0.0:*"'), {
      ok: true,
      options: {
        noPty: false,
        permitOpen: [
          { host: 'db', port: 5432 },
          { host: '::1', port: '*' },
        ],
        permitListen: [
          { host: 'localhost', port: 8080 },
          { host: '0.0.0.0', port: '*' },
        ],
      },
    });
    const r = parseKeyOptions('permitopen="nohost"');
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /permitopen: "nohost" is not host:port/);
  });

  it('refuses what it cannot honour or parse, saying why', () => {
    const error = (s: string) => {
      const r = parseKeyOptions(s);
      assert.equal(r.ok, false, s);
      return r.ok ? '' : r.error;
    };
    assert.match(error('principals="a"'), /principals is not supported/);
    assert.match(error('verify-required'), /not supported/);
    assert.match(error('from=10.0.0.1'), /double quotes/);
    assert.match(error('command="unterminated'), /closing quote/);
    assert.match(error('from'), /needs a value/);
    assert.match(error('no-pty="x"'), /takes no value/);
    assert.match(error('command="a",command="b"'), /twice/);
    assert.match(error('expiry-time="2026022"'), /bad time/);
  });

  it('parses expiry times as sshd does (local time, or UTC with Z), rejecting impossible dates', () => {
    assert.equal(parseExpiry('20260301Z')?.toISOString(), '2026-03-01T00:00:00.000Z');
    assert.equal(parseExpiry('202603011230Z')?.toISOString(), '2026-03-01T12:30:00.000Z');
    assert.equal(parseExpiry('20260301123045Z')?.toISOString(), '2026-03-01T12:30:45.000Z');
    assert.equal(parseExpiry('20260301')?.getTime(), new Date(2026, 2, 1).getTime());
    assert.equal(parseExpiry('20250231Z'), undefined);
    assert.equal(parseExpiry('2026030112Z'), undefined);
  });
});

describe('from= address patterns', () => {
  it('matches CIDR blocks, wildcards and negations, IPv4 and IPv6', () => {
    assert.ok(addressAllowed(['10.0.0.0/8'], '10.9.8.7'));
    assert.ok(!addressAllowed(['10.0.0.0/8'], '11.0.0.1'));
    assert.ok(addressAllowed(['192.0.2.*'], '192.0.2.77'));
    assert.ok(addressAllowed(['192.0.2.?'], '192.0.2.7'));
    assert.ok(!addressAllowed(['192.0.2.?'], '192.0.2.77'));
    assert.ok(!addressAllowed(['10.0.0.0/8', '!10.1.2.3'], '10.1.2.3'));
    assert.ok(!addressAllowed(['!10.1.2.3', '10.0.0.0/8'], '10.1.2.3'));
    assert.ok(addressAllowed(['2001:db8::/32'], '2001:db8::1'));
    assert.ok(!addressAllowed(['2001:db8::/32'], '10.0.0.1'));
    assert.ok(addressAllowed(['127.0.0.1'], '::ffff:127.0.0.1'));
    assert.ok(!addressAllowed(['10.0.0.0/33'], '10.0.0.1'));
    assert.ok(!addressAllowed([], '10.0.0.1'));
  });
});
