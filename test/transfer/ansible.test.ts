/**
 * Debian's ansible-core through the real server as a non-root login, with Ansible's own ssh
 * defaults (ControlMaster=auto, ControlPersist=60s: every step shares one connection): an ad-hoc
 * command, and a playbook with `copy` and `template` once per transfer method, `sftp` and `scp`
 * (legacy protocol, scp -O, as Ansible's documentation asks for OpenSSH 9). Each file arrives
 * intact and owned by the login; over sftp each is audited with its byte count and sha256.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { ensureUser, type TestUser } from '../helpers/users.js';
import { runClient } from './clients.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('ansible', { skip: isRoot ? false : 'needs root: logs in as a test user' }, () => {
  let srv: TestServer;
  let user: TestUser;
  let local: string;
  let remote: string;
  const payload = randomBytes(400_000);

  before(async () => {
    user = ensureUser('sshtrail-ansible');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    local = mkdtempSync(join(tmpdir(), 'sshtrail-ansible-'));
    writeFileSync(join(local, 'payload.bin'), payload);
    writeFileSync(join(local, 'greeting.j2'), 'hello {{ who }} via {{ method }}\n');
    remote = join(user.home, 'ansible-t');
    rmSync(remote, { recursive: true, force: true });
  });
  after(async () => {
    // Ansible's ControlPersist masters: ended by their sockets, not left for 60 s.
    const cp = join(local, 'cp');
    for (const sock of existsSync(cp) ? readdirSync(cp) : [])
      await runClient('ssh', ['-F', '/dev/null', '-o', `ControlPath=${join(cp, sock)}`, '-O', 'exit', 'x']);
    await srv.stop();
    rmSync(local, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  const ansible = (cmd: 'ansible' | 'ansible-playbook', args: string[], vars: Record<string, string> = {}) =>
    runClient(
      cmd,
      [
        '-i',
        '127.0.0.1,',
        '-e',
        JSON.stringify({
          ansible_port: srv.port,
          ansible_user: user.name,
          ansible_ssh_private_key_file: srv.keyFile,
          ansible_python_interpreter: '/usr/bin/python3',
          ...vars,
        }),
        ...args,
      ],
      {
        env: {
          HOME: local,
          ANSIBLE_HOST_KEY_CHECKING: 'False',
          ANSIBLE_LOCAL_TEMP: join(local, 'tmp'),
          ANSIBLE_SSH_CONTROL_PATH_DIR: join(local, 'cp'),
          ANSIBLE_NOCOLOR: '1',
          ANSIBLE_RETRY_FILES_ENABLED: 'False',
        },
        killAfterMs: 180_000,
      },
    );

  const checkEvents = () => {
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
  };

  it('runs an ad-hoc command as the login', async () => {
    const r = await ansible('ansible', ['all', '-m', 'command', '-a', 'id -un']);
    assert.equal(r.signal, null, `ansible hung: ${r.out}`);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`CHANGED \\| rc=0 >>\\s+${user.name}`));
    checkEvents();
  });

  for (const method of ['sftp', 'scp'] as const) {
    it(`runs a playbook with copy and template over ${method}`, async () => {
      const dir = join(remote, method);
      const book = join(local, `book-${method}.yml`);
      writeFileSync(
        book,
        JSON.stringify([
          {
            hosts: 'all',
            gather_facts: false,
            tasks: [
              { file: { path: dir, state: 'directory', mode: '0755' } },
              { copy: { src: join(local, 'payload.bin'), dest: join(dir, 'payload.bin'), mode: '0640' } },
              { template: { src: join(local, 'greeting.j2'), dest: join(dir, 'greeting.txt') } },
            ],
          },
        ]),
      );
      const r = await ansible('ansible-playbook', [book], {
        who: user.name,
        method,
        ansible_ssh_transfer_method: method,
        ...(method === 'scp' ? { ansible_scp_extra_args: '-O' } : {}),
      });
      assert.equal(r.signal, null, `ansible-playbook hung: ${r.out}`);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /ok=\d+\s+changed=3\s+unreachable=0\s+failed=0/);
      const greeting = `hello ${user.name} via ${method}\n`;
      assert.equal(sha256(readFileSync(join(dir, 'payload.bin'))), sha256(payload));
      assert.equal(readFileSync(join(dir, 'greeting.txt'), 'utf8'), greeting);
      assert.equal(statSync(join(dir, 'payload.bin')).uid, user.uid);
      assert.equal(statSync(join(dir, 'payload.bin')).mode & 0o777, 0o640);

      const ev = srv.readEvents();
      const mine = ev.filter((x) => x.login === user.name);
      if (method === 'sftp') {
        // Ansible puts each file (and each module) into its remote temp dir over sftp, then
        // moves it into place: the put is audited with the file's size and hash.
        const puts = mine.filter(
          (x) => x.type === 'session.sftp' && x.action === 'file' && Number(x.bytes_written) > 0,
        );
        const put = (data: Buffer | string) =>
          puts.find((x) => x.sha256 === sha256(data) && Number(x.bytes_written) === Buffer.byteLength(data));
        assert.ok(put(payload), JSON.stringify(puts, null, 1));
        assert.ok(put(greeting), JSON.stringify(puts, null, 1));
      } else {
        const scps = mine.filter((x) => x.type === 'session.start' && /^scp .*-t/.test(String(x.command)));
        assert.ok(scps.length >= 2, JSON.stringify(scps, null, 1));
      }
      checkEvents();
    });
  }
});
