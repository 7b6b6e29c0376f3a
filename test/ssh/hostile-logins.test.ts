/**
 * What a client may send as its user name, and how it may offer keys, through the real server
 * with Paramiko (the OpenSSH client refuses to send such names):
 * - a name holding a newline cannot forge a log line, in the text log or the JSON log;
 * - an empty or huge name still makes a valid auth.failure, with the client's address;
 * - a second key offered after a refused one, each with its own service request as Paramiko
 *   does, gets in (sshd accepts the repeated request; ssh2 used to disconnect).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { paramiko } from '../helpers/paramiko.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';

const failures = (ev: EventRecord[]) => ev.filter((e) => e.type === 'auth.failure');
const invalid = (ev: EventRecord[]) => ev.filter((e) => e.type === 'audit.loss' && e.reason === 'invalid');

for (const format of ['text', 'json'] as const) {
  describe(`hostile login names (${format} log)`, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startServer({ config: { auth: { max_attempts: 6 }, log: { format } } });
    });
    after(async () => {
      await srv.stop();
    });

    it('a login name with a newline cannot forge a log line', async () => {
      const forged = 'x\n2026-01-01T00:00:00.000Z INFO authenticated login=root client=10.6.6.6';
      const other = srv.newKey(`id_forge_${format}`);
      const r = await paramiko(srv, {
        username: forged,
        steps: Array.from({ length: 6 }, () => ({ op: 'auth' as const, key: other })),
      });
      assert.ok(
        r.results.every((x) => x === 'failure' || x === 'closed'),
        JSON.stringify(r.results),
      );
      const ev = await srv.waitForEvents((e) => failures(e).some((f) => f.login === forged));
      assert.deepEqual(invalid(ev), []);
      const lines = srv.logs().split('\n');
      // No line of the log starts with what the client wrote after its newline.
      assert.ok(lines.length > 1);
      for (const line of lines) {
        assert.doesNotMatch(line, /^2026-01-01T00:00:00.000Z/, line);
        // No one logged in here: no line is an "authenticated" record.
        assert.doesNotMatch(line, /^\S+ INFO authenticated/, line);
        if (format === 'json' && line.trim()) {
          const rec = JSON.parse(line) as { msg?: string };
          assert.notEqual(rec.msg, 'authenticated', line);
        }
      }
      // The name is still there, escaped, so the operator sees what was tried.
      assert.match(srv.logs(), /authentication refused/);
      assert.ok(
        lines.some((l) => l.includes('x\\n2026-01-01T00:00:00.000Z')),
        `escaped login not found in:\n${srv.logs()}`,
      );
    });

    it('an empty and a 10 kB login name each make a valid auth.failure with the client address', async () => {
      await paramiko(srv, { username: '', steps: [{ op: 'auth', key: srv.keyFile }] });
      await paramiko(srv, { username: 'a'.repeat(10_240), steps: [{ op: 'auth', key: srv.keyFile }] });
      const ev = await srv.waitForEvents(
        (e) => failures(e).filter((f) => f.login_length === 0 || f.login_length === 10_240).length >= 2,
      );
      assert.deepEqual(invalid(ev), []);
      const empty = failures(ev).find((f) => f.login_length === 0);
      assert.equal(empty?.login, '(empty)');
      assert.equal(empty?.client_addr, '127.0.0.1');
      assert.equal(empty?.reason, 'unknown_login');
      const long = failures(ev).find((f) => f.login_length === 10_240);
      assert.equal(String(long?.login).length, 256);
      assert.equal(long?.client_addr, '127.0.0.1');
    });
  });
}

describe('a second key offered with a new service request', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('logs in with the second key after the first was refused, as with sshd', async () => {
    const wrong = srv.newKey('id_first_wrong');
    const r = await paramiko(srv, {
      username: srv.login,
      steps: [
        { op: 'auth', key: wrong },
        { op: 'auth', key: srv.keyFile },
        { op: 'exec', command: 'echo second-key' },
      ],
    });
    assert.deepEqual(r.results, ['failure', 'success', { stdout: 'second-key\n', code: 0 }]);
    const ev = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end'));
    assert.ok(failures(ev).some((f) => f.reason === 'key_not_authorized'));
    assert.ok(ev.some((e) => e.type === 'auth.success'));
  });
});
