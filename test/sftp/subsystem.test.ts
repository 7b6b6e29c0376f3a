/**
 * The sftp subsystem through the real server with OpenSSH's own clients: `sftp -b` and scp (SFTP
 * mode, OpenSSH 9's default) as a non-root login. Files land owned by that login (sftp-server
 * runs as the login, never in the root server), and each transfer and namespace change is a
 * session.sftp event with its path, byte count and the content's sha256.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

const sftpEvents = (ev: EventRecord[]) => ev.filter((e) => e.type === 'session.sftp');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    if (input !== undefined) c.stdin?.end(input);
  });
}

describe('sftp subsystem', { skip: isRoot ? false : 'needs root: logs in as a test user' }, () => {
  let srv: TestServer;
  let user: TestUser;
  let local: string;
  const payload = randomBytes(300_000);

  before(async () => {
    user = ensureUser('sshtrail-sftp');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    local = mkdtempSync(join(tmpdir(), 'sshtrail-sftp-'));
    writeFileSync(join(local, 'up.bin'), payload);
    rmSync(join(user.home, 'sftp-t'), { recursive: true, force: true });
  });
  after(async () => {
    await srv.stop();
    rmSync(local, { recursive: true, force: true });
    rmSync(join(user.home, 'sftp-t'), { recursive: true, force: true });
  });

  const clientArgs = () => {
    // sshArgs ends with the destination; sftp and scp take the same options before it.
    const args = srv.sshArgs({ login: user.name });
    return args.filter((a) => a !== '-p' && a !== String(srv.port) && a !== '-tt' && a !== '-T');
  };

  it('puts, gets, renames and removes as the login, each audited with path, bytes and sha256', async () => {
    const batch = [
      'mkdir sftp-t',
      `put ${join(local, 'up.bin')} sftp-t/up.bin`,
      `get sftp-t/up.bin ${join(local, 'down.bin')}`,
      'rename sftp-t/up.bin sftp-t/moved.bin',
      '-put /etc/hostname /root/forbidden',
    ].join('\n');
    const args = [...clientArgs().slice(0, -1), '-P', String(srv.port), '-b', '-', `${user.name}@127.0.0.1`];
    const r = await run('sftp', args, `${batch}\n`);
    assert.equal(r.code, 0, r.out);
    // The file is the login's, and what came back is what went.
    const st = statSync(join(user.home, 'sftp-t', 'moved.bin'));
    assert.equal(st.uid, user.uid);
    assert.ok(readFileSync(join(local, 'down.bin')).equals(payload));

    const ev = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.end' && x.login === user.name),
    );
    const s = sftpEvents(ev);
    const put = s.find((e) => e.action === 'file' && Number(e.bytes_written) === payload.length);
    assert.ok(put, JSON.stringify(s, null, 1));
    assert.equal(put.sha256, sha256(payload));
    assert.match(String(put.path), /sftp-t\/up\.bin$/);
    assert.equal(put.result, 'ok');
    const get = s.find((e) => e.action === 'file' && Number(e.bytes_read) === payload.length);
    assert.equal(get?.sha256, sha256(payload));
    assert.ok(s.some((e) => e.action === 'mkdir' && String(e.path).endsWith('sftp-t') && e.result === 'ok'));
    assert.ok(s.some((e) => e.action === 'rename' && String(e.path).endsWith('up.bin')));
    // A write the login may not do: refused by the kernel, audited as a failure.
    const denied = s.find((e) => String(e.path) === '/root/forbidden');
    assert.ok(denied, JSON.stringify(s, null, 1));
    assert.notEqual(denied.result, 'ok');
    assert.deepEqual(
      ev.filter((e) => e.type === 'audit.loss' && e.reason === 'invalid'),
      [],
    );
  });

  it('scp (SFTP mode) copies both ways, audited', async () => {
    const base = [...clientArgs().slice(0, -1), '-P', String(srv.port)];
    const up = await run('scp', [...base, join(local, 'up.bin'), `${user.name}@127.0.0.1:scp-up.bin`]);
    assert.equal(up.code, 0, up.out);
    const down = await run('scp', [
      ...base,
      `${user.name}@127.0.0.1:scp-up.bin`,
      join(local, 'scp-down.bin'),
    ]);
    assert.equal(down.code, 0, down.out);
    assert.ok(readFileSync(join(local, 'scp-down.bin')).equals(payload));
    assert.equal(statSync(join(user.home, 'scp-up.bin')).uid, user.uid);
    const ev = await srv.waitForEvents(
      (e) =>
        sftpEvents(e).filter((x) => x.action === 'file' && String(x.path).endsWith('scp-up.bin')).length >= 2,
    );
    const s = sftpEvents(ev).filter((x) => x.action === 'file' && String(x.path).endsWith('scp-up.bin'));
    assert.ok(
      s.every((x) => x.sha256 === sha256(payload)),
      JSON.stringify(s, null, 1),
    );
    rmSync(join(user.home, 'scp-up.bin'), { force: true });
  });
});
