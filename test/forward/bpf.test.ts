/**
 * A forward's connect is the login's, in the kernel capture: with enhanced recording on, the
 * connect the forwarding helper made for `ssh -W` (as `-J` does) is a session.network event of the
 * connection's forwarding session (the session_id of its session.forward events), and the helper
 * itself ran as the login (session.command's uid).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { bpfAvailable, bpfReason, testRoot } from '../bpf/helpers.js';
import { isRoot, needs } from '../helpers/privileged.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

describe('forwarding under enhanced recording', { timeout: 120_000 }, () => {
  let srv: TestServer | undefined;
  let user: TestUser;
  let enabled = false;
  let listener: Server;

  before(async () => {
    listener = createServer((s) => s.end('hi\n'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    if (!bpfAvailable || !isRoot) return;
    user = ensureUser('sshtrail-fwd');
    srv = await startServer({
      config: {
        enhanced_recording: { enabled: 'auto', events: ['command', 'network'], cgroup_root: testRoot() },
      },
    });
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    enabled = /enhanced recording on/.test(srv.logs());
  });
  after(async () => {
    await srv?.stop();
    listener.close();
  });

  test("the helper's connect is a session.network event of the forwarding session, as the login", async (t) => {
    if (!needs(t, bpfAvailable && isRoot, bpfReason)) return;
    if (!needs(t, enabled, `the server did not turn enhanced recording on: ${srv?.logs().slice(-500)}`))
      return;
    assert.ok(srv);
    const port = (listener.address() as AddressInfo).port;
    const a = srv.sshArgs({ login: user.name });
    const out = await new Promise<string>((resolve) => {
      execFile(
        'ssh',
        [...a.slice(0, -1), '-W', `127.0.0.1:${port}`, a.at(-1) as string],
        { timeout: 30_000 },
        (_e, so, se) => resolve(so + se),
      );
    });
    assert.match(out, /hi/);
    const ev = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.forward' && x.action === 'close' && x.target_port === port),
    );
    const open = ev.find(
      (x) => x.type === 'session.forward' && x.action === 'open' && x.target_port === port,
    );
    assert.ok(open);
    const net = ev.find((x) => x.type === 'session.network' && x.dst_port === port);
    assert.ok(net, JSON.stringify(ev.filter((x) => x.session_id === open.session_id)));
    assert.equal(net.session_id, open.session_id);
    assert.equal(net.login, user.name);
    assert.equal(net.program, 'sshtrail-fwd');
    assert.equal(net.return_code, 0);
    const helper = ev.find((x) => x.type === 'session.command' && x.session_id === open.session_id);
    assert.equal(helper?.program, 'sshtrail-fwd');
    assert.equal(helper?.uid, user.uid);
  });
});
