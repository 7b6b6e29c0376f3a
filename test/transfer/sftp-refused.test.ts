/**
 * sftp refused because sftp.server points nowhere: the server says so once at start, and each
 * client's sftp request (sftp, scp in SFTP mode) is refused at once with a logged reason, on its
 * own connection and over a ControlMaster connection alike. Over a multiplexed connection the
 * master waits for the server to close the refused channel before its client may exit: without
 * that CLOSE, sftp (and Ansible's default transfer) hung for ever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { controlMaster, runClient, sshOptions } from './clients.js';

describe('sftp with sftp.server missing', () => {
  let srv: TestServer;
  const dest = () => `${srv.login}@127.0.0.1`;

  before(async () => {
    srv = await startServer({ config: { sftp: { server: '/nonexistent/sftp-server' } } });
  });
  after(async () => {
    await runClient('ssh', [...sshOptions(srv, srv.login), ...controlMaster(srv.dir), '-O', 'exit', dest()]);
    await srv.stop();
  });

  it('says so at start, naming the path', async () => {
    await srv.waitForLog(/WARN sftp subsystem off: sftp-server \/nonexistent\/sftp-server: not found/);
  });

  it('refuses sftp on its own connection with the reason logged', async () => {
    const r = await runClient(
      'sftp',
      [...sshOptions(srv, srv.login), '-P', String(srv.port), '-b', '-', dest()],
      { input: 'ls\n', killAfterMs: 60_000 },
    );
    assert.equal(r.signal, null, `sftp did not end by itself: ${r.out}`);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /subsystem request failed/);
    await srv.waitForLog(
      /subsystem refused .*subsystem=sftp reason="sftp-server \/nonexistent\/sftp-server: not found"/,
    );
  });

  it('answers sftp and scp over a ControlMaster connection, which then still runs commands', async () => {
    const mux = [...sshOptions(srv, srv.login), ...controlMaster(srv.dir)];
    const first = await runClient('ssh', [...mux, '-p', String(srv.port), dest(), 'echo up']);
    assert.equal(first.code, 0, first.out);
    const sftp = await runClient('sftp', [...mux, '-P', String(srv.port), '-b', '-', dest()], {
      input: 'put /etc/hostname\n',
      killAfterMs: 60_000,
    });
    assert.equal(sftp.signal, null, `sftp over the master hung: ${sftp.out}`);
    assert.notEqual(sftp.code, 0);
    const scp = await runClient('scp', [...mux, '-P', String(srv.port), '/etc/hostname', `${dest()}:h`], {
      killAfterMs: 60_000,
    });
    assert.equal(scp.signal, null, `scp over the master hung: ${scp.out}`);
    assert.notEqual(scp.code, 0);
    // The shared connection is unharmed: a command after the refusals runs on it.
    const again = await runClient('ssh', [...mux, '-p', String(srv.port), dest(), 'echo still']);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /still/);
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
  });
});
