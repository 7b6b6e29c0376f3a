/**
 * Pre-auth admission through the real server (issue 10, defect 5): idle connections from one
 * source no longer lock everyone out, and a source that keeps failing is refused for a while,
 * then let in again. 127.0.0.0/8 is all loopback: clients pick their source with `ssh -b`.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';

const failures = (ev: EventRecord[], reason: string, addr?: string) =>
  ev.filter((e) => e.type === 'auth.failure' && e.reason === reason && (!addr || e.client_addr === addr));

describe('pre-auth admission: per-source limit', () => {
  let srv: TestServer;
  const idle: Socket[] = [];
  before(async () => {
    // Defaults, as shipped: 30 idle connections used to be the whole budget.
    srv = await startServer();
  });
  after(async () => {
    for (const s of idle) s.destroy();
    await srv.stop();
  });

  it('a flood of idle connections from one address does not lock out a login from another', async () => {
    for (let i = 0; i < 40; i++) {
      const s = connect({ port: srv.port, host: '127.0.0.1', localAddress: '127.0.0.1' });
      s.on('error', () => {});
      s.resume();
      idle.push(s);
    }
    // The per-source limit (20) refuses the rest of the flood.
    await srv.waitForEvents((ev) => failures(ev, 'source_limit', '127.0.0.1').length >= 20);
    const r = await srv.ssh(['echo', 'in'], { options: ['-b', '127.0.0.2'] });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString().trim(), 'in');
    assert.match(
      srv.logs(),
      /refused connection: too many unauthenticated connections from this address block/,
    );
  });
});

describe('pre-auth admission: penalties', () => {
  let srv: TestServer;
  before(async () => {
    // Short penalties so the test can wait one out: each failed login adds 2 s, refused from 3 s.
    srv = await startServer({ config: { auth: { penalties: { authfail: 2, min: 3, max: 4 } } } });
  });
  after(async () => {
    await srv.stop();
  });

  it('refuses a source that keeps failing, lets others in meanwhile, and lets it in after the penalty', async () => {
    const wrong = srv.newKey('id_wrong');
    const from = (addr: string, identity?: string) =>
      srv.ssh(['echo', 'in'], { options: ['-b', addr], ...(identity ? { identity } : {}) });
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) {
      const r = await from('127.0.0.3', wrong);
      assert.equal(r.code, 255);
      // Refused before the handshake, rather than by authentication.
      refused = !r.stderr.includes('Permission denied');
    }
    assert.ok(refused, 'the failing source was never penalised');
    const ev = await srv.waitForEvents((e) => failures(e, 'source_penalty', '127.0.0.3').length > 0);
    assert.ok(failures(ev, 'key_not_authorized', '127.0.0.3').length >= 2);
    assert.match(srv.logs(), /refused connection: address block is penalised .*client=127\.0\.0\.3/);

    // Another source is not affected.
    const other = await from('127.0.0.4');
    assert.equal(other.code, 0, other.stderr);

    // Once the penalty ends the source gets in with the right key (retried while refused).
    let ok = false;
    for (let i = 0; i < 60 && !ok; i++) {
      const r = await from('127.0.0.3');
      ok = r.code === 0;
      if (!ok) await new Promise((res) => setTimeout(res, 250));
    }
    assert.ok(ok, 'the penalised source was never let in again');
  });
});
