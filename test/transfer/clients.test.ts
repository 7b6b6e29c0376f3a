/**
 * The everyday transfer clients through the real server as a non-root login: scp -O (the legacy
 * protocol over exec), rsync over ssh, git clone and push to a bare repository, and scp (SFTP
 * mode) over a ControlMaster connection. What arrives is what was sent (sha256 of each file),
 * files belong to the login, every event validates, and SFTP transfers are audited with the
 * file's byte count and hash.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { ensureUser, type TestUser } from '../helpers/users.js';
import { controlMaster, runClient, sshCommand, sshOptions } from './clients.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('transfer clients', { skip: isRoot ? false : 'needs root: logs in as a test user' }, () => {
  let srv: TestServer;
  let user: TestUser;
  let local: string;
  let remote: string;
  const payload = randomBytes(700_000);
  const dest = () => `${user.name}@127.0.0.1`;
  const scpBase = () => [...sshOptions(srv, user.name), '-P', String(srv.port)];

  before(async () => {
    user = ensureUser('sshtrail-xfer');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    local = mkdtempSync(join(tmpdir(), 'sshtrail-xfer-'));
    writeFileSync(join(local, 'up.bin'), payload);
    remote = join(user.home, 'xfer-t');
    rmSync(remote, { recursive: true, force: true });
    mkdirSync(remote);
    chownSync(remote, user.uid, user.gid);
  });
  after(async () => {
    await runClient('ssh', [...sshOptions(srv, user.name), ...controlMaster(srv.dir), '-O', 'exit', dest()]);
    await srv.stop();
    rmSync(local, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  const checkEvents = () => {
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
  };

  it('scp -O (legacy protocol over exec) uploads and downloads', async () => {
    const up = await runClient('scp', [
      '-O',
      ...scpBase(),
      join(local, 'up.bin'),
      `${dest()}:xfer-t/legacy.bin`,
    ]);
    assert.equal(up.code, 0, up.out);
    const down = await runClient('scp', [
      '-O',
      ...scpBase(),
      `${dest()}:xfer-t/legacy.bin`,
      join(local, 'legacy.bin'),
    ]);
    assert.equal(down.code, 0, down.out);
    assert.equal(sha256(readFileSync(join(remote, 'legacy.bin'))), sha256(payload));
    assert.equal(sha256(readFileSync(join(local, 'legacy.bin'))), sha256(payload));
    assert.equal(statSync(join(remote, 'legacy.bin')).uid, user.uid);
    // Both were execs of `scp -t` / `scp -f`, audited as such.
    const ev = await srv.waitForEvents(
      (e) => e.filter((x) => x.type === 'session.end' && x.login === user.name).length >= 2,
    );
    const execs = ev.filter((x) => x.type === 'session.start' && x.login === user.name).map((x) => x.command);
    assert.ok(
      execs.some((c) => /^scp .*-t/.test(String(c))),
      JSON.stringify(execs),
    );
    assert.ok(execs.some((c) => /^scp .*-f/.test(String(c))));
    checkEvents();
  });

  it('rsync -e ssh copies a tree up and back, checksums equal', async () => {
    const tree = join(local, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    const files: Record<string, Buffer> = {
      'a.bin': randomBytes(200_000),
      'sub/b.txt': Buffer.from('hello rsync\n'),
      'sub/c.bin': randomBytes(1_000_000),
    };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(tree, name), data);
    const e = sshCommand(srv, user.name);
    const up = await runClient('rsync', ['-a', '--checksum', '-e', e, `${tree}/`, `${dest()}:xfer-t/tree/`]);
    assert.equal(up.code, 0, up.out);
    const back = join(local, 'tree-back');
    const down = await runClient('rsync', [
      '-a',
      '--checksum',
      '-e',
      e,
      `${dest()}:xfer-t/tree/`,
      `${back}/`,
    ]);
    assert.equal(down.code, 0, down.out);
    for (const [name, data] of Object.entries(files)) {
      assert.equal(sha256(readFileSync(join(remote, 'tree', name))), sha256(data), name);
      assert.equal(sha256(readFileSync(join(back, name))), sha256(data), name);
      assert.equal(statSync(join(remote, 'tree', name)).uid, user.uid);
    }
    // A second run finds nothing to send: rsync's own checksums agree with what arrived.
    const again = await runClient('rsync', [
      '-a',
      '--checksum',
      '--itemize-changes',
      '-e',
      e,
      `${tree}/`,
      `${dest()}:xfer-t/tree/`,
    ]);
    assert.equal(again.code, 0, again.out);
    assert.equal(again.out.trim(), '');
    checkEvents();
  });

  it('git clones from and pushes to a bare repository over ssh', async () => {
    const init = await srv.ssh(['git init -q --bare xfer-t/repo.git'], { login: user.name });
    assert.equal(init.code, 0, init.stderr);
    const env = { GIT_SSH_COMMAND: sshCommand(srv, user.name), GIT_CONFIG_NOSYSTEM: '1', HOME: local };
    const ident = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid'];
    const url = `ssh://${user.name}@127.0.0.1:${srv.port}/~/xfer-t/repo.git`;
    const work = join(local, 'work');
    const clone = await runClient('git', ['clone', '-q', url, work], { env });
    assert.equal(clone.code, 0, clone.out);
    writeFileSync(join(work, 'data.bin'), payload);
    for (const args of [
      ['add', 'data.bin'],
      [...ident, 'commit', '-qm', 'data'],
      ['push', '-q', 'origin', 'HEAD'],
    ]) {
      const r = await runClient('git', args, { env, cwd: work });
      assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.out}`);
    }
    const again = join(local, 'again');
    const clone2 = await runClient('git', ['clone', '-q', url, again], { env });
    assert.equal(clone2.code, 0, clone2.out);
    assert.equal(sha256(readFileSync(join(again, 'data.bin'))), sha256(payload));
    // The pushed objects belong to the login.
    assert.equal(statSync(join(remote, 'repo.git', 'objects')).uid, user.uid);
    const ev = srv.readEvents().filter((x) => x.type === 'session.start' && x.login === user.name);
    assert.ok(ev.some((x) => /^git-receive-pack /.test(String(x.command))));
    assert.ok(ev.some((x) => /^git-upload-pack /.test(String(x.command))));
    checkEvents();
  });

  it('scp (SFTP mode) over a ControlMaster connection, audited with bytes and sha256', async () => {
    const mux = [...scpBase(), ...controlMaster(srv.dir)];
    const first = await runClient('ssh', [
      ...sshOptions(srv, user.name),
      ...controlMaster(srv.dir),
      '-p',
      String(srv.port),
      dest(),
      'true',
    ]);
    assert.equal(first.code, 0, first.out);
    for (let i = 0; i < 2; i++) {
      const up = await runClient('scp', [...mux, join(local, 'up.bin'), `${dest()}:xfer-t/mux${i}.bin`], {
        killAfterMs: 60_000,
      });
      assert.equal(up.signal, null, `scp over the master hung: ${up.out}`);
      assert.equal(up.code, 0, up.out);
      const down = await runClient(
        'scp',
        [...mux, `${dest()}:xfer-t/mux${i}.bin`, join(local, `mux${i}.bin`)],
        { killAfterMs: 60_000 },
      );
      assert.equal(down.code, 0, down.out);
      assert.equal(sha256(readFileSync(join(local, `mux${i}.bin`))), sha256(payload));
    }
    // One event per file handle (scp's setstat of the mode is one more, of its own action).
    const isMuxFile = (x: EventRecord) =>
      x.type === 'session.sftp' && x.action === 'file' && /mux\d\.bin$/.test(String(x.path));
    const ev = await srv.waitForEvents((e) => e.filter(isMuxFile).length >= 4);
    const s = ev.filter(isMuxFile);
    assert.equal(s.length, 4, JSON.stringify(s, null, 1));
    for (const x of s) {
      assert.equal(x.sha256, sha256(payload));
      assert.equal(Number(x.bytes_read) + Number(x.bytes_written), payload.length);
      assert.equal(x.result, 'ok');
    }
    checkEvents();
  });
});
