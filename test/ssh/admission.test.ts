/**
 * The admission policy on its own (core/ssh/admission.ts), with a hand-driven clock and random
 * source. The real-server behaviour is in preauth.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from '../../core/compose/config.js';
import { AdmissionPolicy, type Decision, type Ticket } from '../../core/ssh/admission.js';
import { netblock } from '../../core/ssh/netblock.js';

function policy(auth: Record<string, unknown> = {}) {
  const clock = { t: 1_000_000, r: 0.5 };
  const cfg = validateConfig({ auth }).auth;
  const p = new AdmissionPolicy(cfg, { now: () => clock.t, random: () => clock.r });
  return { p, clock };
}

function admitted(d: Decision): Ticket {
  assert.equal(d.admitted, true, `refused: ${d.admitted ? '' : d.reason}`);
  return (d as { ticket: Ticket }).ticket;
}

function refusal(d: Decision): string | undefined {
  return d.admitted ? undefined : d.reason;
}

describe('admission: MaxStartups start:rate:full', () => {
  it('refuses nothing below start, and everything at full', () => {
    const { p, clock } = policy({
      max_unauthenticated: 4,
      early_drop: { start: 2, rate: 30 },
      per_source: { max_unauthenticated: 0 },
    });
    clock.r = 0; // the random source at its most refusing
    admitted(p.admit('192.0.2.1'));
    admitted(p.admit('192.0.2.2'));
    assert.equal(refusal(p.admit('192.0.2.3')), 'startups_early_drop');
    clock.r = 0.999;
    admitted(p.admit('192.0.2.3'));
    admitted(p.admit('192.0.2.4'));
    assert.equal(refusal(p.admit('192.0.2.5')), 'connection_limit');
  });

  it('drops with probability rate% at start, rising linearly to 100% at full', () => {
    const { p, clock } = policy({
      max_unauthenticated: 12,
      early_drop: { start: 2, rate: 30 },
      per_source: { max_unauthenticated: 0 },
    });
    clock.r = 0.999;
    const held = [admitted(p.admit('10.0.0.1')), admitted(p.admit('10.0.0.2'))];
    // 2 of start 2: p = 30%.
    clock.r = 0.29;
    assert.equal(refusal(p.admit('10.0.0.3')), 'startups_early_drop');
    clock.r = 0.31;
    held.push(admitted(p.admit('10.0.0.3')));
    // Fill to 7 (half way from 2 to 12): p = 30 + 70 * 5/10 = 65%.
    clock.r = 0.999;
    for (let i = 4; i <= 7; i++) held.push(admitted(p.admit(`10.0.0.${i}`)));
    assert.equal(p.count, 7);
    clock.r = 0.64;
    assert.equal(refusal(p.admit('10.0.0.8')), 'startups_early_drop');
    clock.r = 0.66;
    held.push(admitted(p.admit('10.0.0.8')));
    // Authenticated connections stop counting.
    for (const t of held) t.authenticated();
    assert.equal(p.count, 0);
    clock.r = 0;
    admitted(p.admit('10.0.0.9'));
  });

  it('start at or above full turns early drop off', () => {
    const { p, clock } = policy({ max_unauthenticated: 3, early_drop: { start: 3, rate: 100 } });
    clock.r = 0;
    for (let i = 0; i < 3; i++) admitted(p.admit('192.0.2.1'));
    assert.equal(refusal(p.admit('192.0.2.1')), 'connection_limit');
  });
});

describe('admission: per-source limit', () => {
  it('refuses a block past its limit while other blocks still get in', () => {
    const { p } = policy({ per_source: { max_unauthenticated: 3 } });
    const held = [1, 2, 3].map(() => admitted(p.admit('203.0.113.7')));
    const d = p.admit('203.0.113.7');
    assert.equal(refusal(d), 'source_limit');
    assert.equal(d.admitted ? '' : d.block, '203.0.113.7/32');
    admitted(p.admit('203.0.113.8'));
    held[0]?.closed();
    admitted(p.admit('203.0.113.7'));
  });

  it('groups addresses by the configured prefix, IPv4 clients on IPv6 sockets included', () => {
    const { p } = policy({ per_source: { max_unauthenticated: 2, ipv4_prefix: 24, ipv6_prefix: 64 } });
    admitted(p.admit('198.51.100.1'));
    admitted(p.admit('::ffff:198.51.100.200'));
    assert.equal(refusal(p.admit('198.51.100.99')), 'source_limit');
    admitted(p.admit('198.51.101.1'));
    admitted(p.admit('2001:db8:1:2::1'));
    admitted(p.admit('2001:db8:1:2:ffff::9'));
    assert.equal(refusal(p.admit('2001:db8:1:2::77')), 'source_limit');
    admitted(p.admit('2001:db8:1:3::1'));
  });

  it('netblock masks IPv4 and IPv6 addresses', () => {
    assert.equal(netblock('192.0.2.77', 24, 128)?.key, '192.0.2.0/24');
    assert.equal(netblock('::ffff:192.0.2.77', 32, 128)?.key, '192.0.2.77/32');
    assert.equal(netblock('2001:db8::abcd:1', 32, 48)?.key, '2001:db8:0:0:0:0:0:0/48');
    assert.equal(netblock('2001:db8:aaaa:bbbb::1', 32, 40)?.key, '2001:db8:aa00:0:0:0:0:0/40');
    assert.equal(netblock('::1', 32, 128)?.key, '0:0:0:0:0:0:0:1/128');
    assert.equal(netblock('not-an-ip', 32, 128), undefined);
  });
});

describe('admission: penalties', () => {
  const fail = (p: AdmissionPolicy, ip: string) => {
    const t = admitted(p.admit(ip));
    t.failedAttempt();
    return t.closed();
  };

  it('refuses a block once its failed logins accrue min, until the penalty ends', () => {
    const { p, clock } = policy(); // authfail 5 s, min 15 s
    assert.equal(fail(p, '192.0.2.9'), 'authfail');
    assert.equal(fail(p, '192.0.2.9'), 'authfail');
    // 10 s accrued, below min: still let in.
    const t = admitted(p.admit('192.0.2.9'));
    t.failedAttempt();
    t.closed();
    const d = p.admit('192.0.2.9');
    assert.equal(refusal(d), 'source_penalty');
    assert.equal(d.admitted ? 0 : d.penaltyLeft, 15);
    admitted(p.admit('192.0.2.10'));
    clock.t += 14_000;
    assert.equal(refusal(p.admit('192.0.2.9')), 'source_penalty');
    clock.t += 1_000;
    admitted(p.admit('192.0.2.9'));
  });

  it('penalties accrue per offence up to max', () => {
    const { p, clock } = policy({ penalties: { grace_exceeded: 100, max: 250 } });
    const held = [1, 2, 3, 4].map(() => admitted(p.admit('192.0.2.50')));
    for (const t of held) {
      t.graceExceeded();
      assert.equal(t.closed(), 'grace_exceeded');
    }
    const d = p.admit('192.0.2.50');
    assert.equal(d.admitted ? 0 : d.penaltyLeft, 250);
    clock.t += 250_000;
    admitted(p.admit('192.0.2.50'));
  });

  it('penalises what a connection did: nothing once authenticated, noauth, protocol errors always', () => {
    const { p } = policy();
    const ok = admitted(p.admit('192.0.2.1'));
    ok.failedAttempt();
    ok.authenticated();
    assert.equal(ok.closed(), undefined);
    assert.equal(admitted(p.admit('192.0.2.2')).closed(), 'noauth');
    const bad = admitted(p.admit('192.0.2.3'));
    bad.authenticated();
    bad.protocolError();
    assert.equal(bad.closed(), 'protocol_error');
    // protocol_error (30 s) is past min at once.
    assert.equal(refusal(p.admit('192.0.2.3')), 'source_penalty');
  });

  it('never penalises exempt addresses, and can be turned off', () => {
    const exempt = policy({ penalties: { exempt: ['192.0.2.0/24', '2001:db8::1'] } }).p;
    for (let i = 0; i < 5; i++) assert.equal(fail(exempt, '192.0.2.9'), undefined);
    admitted(exempt.admit('192.0.2.9'));
    const off = policy({ penalties: { enabled: false } }).p;
    for (let i = 0; i < 5; i++) assert.equal(fail(off, '192.0.2.9'), undefined);
    admitted(off.admit('192.0.2.9'));
  });

  it('a full table ends the soonest penalty early (permissive) or refuses everyone (deny-all)', () => {
    const perm = policy({ penalties: { max_sources_ipv4: 1, protocol_error: 30 } });
    const pe = (p: AdmissionPolicy, ip: string) => {
      const t = admitted(p.admit(ip));
      t.protocolError();
      return t.closed();
    };
    pe(perm.p, '192.0.2.1');
    assert.equal(refusal(perm.p.admit('192.0.2.1')), 'source_penalty');
    pe(perm.p, '192.0.2.2');
    admitted(perm.p.admit('192.0.2.1'));
    assert.equal(refusal(perm.p.admit('192.0.2.2')), 'source_penalty');

    const deny = policy({ penalties: { max_sources_ipv4: 1, overflow: 'deny-all', exempt: ['192.0.2.99'] } });
    pe(deny.p, '192.0.2.1');
    assert.equal(pe(deny.p, '192.0.2.2'), undefined);
    assert.equal(refusal(deny.p.admit('192.0.2.3')), 'source_penalty');
    admitted(deny.p.admit('192.0.2.99'));
    admitted(deny.p.admit('2001:db8::5'));
    deny.clock.t += 30_000;
    admitted(deny.p.admit('192.0.2.3'));
  });
});
