/**
 * access.force_command, the SFTP-only mode, permit_tty, match blocks (by group and by client
 * address, first match wins) and the banner, through the real server with OpenSSH's ssh and sftp.
 * Each refusal is a session.* event with its reason and reaches the client at once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureGroup } from '../helpers/groups.js';
import { isRoot } from '../helpers/privileged.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { ensureUser, type TestUser } from '../helpers/users.js';
import { PolicyServer } from './harness.js';

const A = 'sshtrail-pol-a';
const B = 'sshtrail-pol-b';
const SFTP_GROUP = 'sshtrail-g-sftp';

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    if (input !== undefined) c.stdin?.end(input);
  });
}

describe('force_command, SFTP-only, match blocks, banner', { skip: isRoot ? false : 'needs root' }, () => {
  let ps: PolicyServer;
  let b: TestUser;
  let local: string;

  before(async () => {
    ensureUser(A);
    b = ensureUser(B);
    ensureGroup(SFTP_GROUP, [B]);
    ps = await PolicyServer.start([A, B]);
    local = mkdtempSync(join(tmpdir(), 'sshtrail-pol-'));
  });
  after(async () => {
    await ps?.srv.stop();
    rmSync(local, { recursive: true, force: true });
    rmSync(join(b.home, 'pol-up.txt'), { force: true });
  });

  const sftpBatch = (login: string, batch: string) => {
    const args = ps.srv.sshArgs({ login });
    const opts = args.filter((a) => a !== '-p' && a !== String(ps.srv.port) && a !== '-tt' && a !== '-T');
    return run(
      'sftp',
      [...opts.slice(0, -1), '-P', String(ps.srv.port), '-b', '-', `${login}@127.0.0.1`],
      batch,
    );
  };
  const startOf = async (login: string) =>
    (await ps.fresh((e) => e.type === 'session.start' && e.login === login))[0];
  const endOf = async (login: string) =>
    (await ps.fresh((e) => e.type === 'session.end' && e.login === login))[0];

  it('force_command runs instead of the request, with SSH_ORIGINAL_COMMAND, over a key command=', async () => {
    await ps.reconfigure({ access: { force_command: 'echo "orig=$SSH_ORIGINAL_COMMAND"' } });
    const r = await ps.srv.ssh(['whoami'], { login: A });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'orig=whoami\n');
    const start = await startOf(A);
    assert.equal(start?.command, 'whoami');
    assert.equal(start?.forced_command, 'echo "orig=$SSH_ORIGINAL_COMMAND"');
    assert.equal(start?.forced_by, 'config');
    await endOf(A);
    // As sshd: ForceCommand wins over the key's command=.
    const key = ps.srv.newKey('a_forced');
    ps.srv.authorize(A, `command="echo from-key" ${readFileSync(`${key}.pub`, 'utf8')}`);
    const k = await ps.srv.ssh(['id'], { login: A, identity: key });
    assert.equal(k.stdout.toString(), 'orig=id\n');
    await startOf(A);
    await endOf(A);
  });

  it('an SFTP-only match block: sftp -b works, a command and a shell are refused at once', async () => {
    await ps.reconfigure({
      match: [
        {
          name: 'sftp-only',
          when: { group: [SFTP_GROUP] },
          set: { force_command: 'internal-sftp', permit_tty: false },
        },
      ],
    });
    writeFileSync(join(local, 'up.txt'), 'policy upload\n');
    const s = await sftpBatch(B, `put ${join(local, 'up.txt')} pol-up.txt\nls pol-up.txt\n`);
    assert.equal(s.code, 0, s.out);
    assert.equal(readFileSync(join(b.home, 'pol-up.txt'), 'utf8'), 'policy upload\n');
    const sftpStart = await startOf(B);
    assert.equal(sftpStart?.kind, 'subsystem');
    assert.equal(sftpStart?.forced_command, 'internal-sftp');
    assert.deepEqual(sftpStart?.match_blocks, ['sftp-only']);
    assert.equal((await endOf(B))?.exit_code, 0);
    assert.ok((await ps.fresh((e) => e.type === 'session.sftp' && e.login === B)).length > 0);

    const cmd = await ps.srv.ssh(['id'], { login: B });
    assert.equal(cmd.code, 1);
    assert.equal(cmd.stdout.toString(), 'This service allows sftp connections only.\n');
    const cmdStart = await startOf(B);
    assert.equal(cmdStart?.kind, 'exec');
    assert.equal(cmdStart?.command, 'id');
    assert.equal((await endOf(B))?.reason, 'sftp_only');

    // A shell: refused the same way.
    const sh = await ps.srv.ssh([], { login: B });
    assert.equal(sh.code, 1, sh.stderr);
    assert.equal(sh.stdout.toString(), 'This service allows sftp connections only.\n');
    assert.equal((await startOf(B))?.kind, 'shell');
    assert.equal((await endOf(B))?.reason, 'sftp_only');
    // permit_tty false: the pty request is refused (ssh -tt then gives up, as against sshd).
    const tty = await ps.srv.ssh([], { login: B, tty: true });
    assert.match(tty.stderr, /PTY allocation request failed/);
    await ps.srv.waitForLog(/pty request refused.*permit_tty is false/);
    assert.match(ps.srv.logs(), /session refused: this login is SFTP-only/);

    // A login the block does not select is not affected.
    assert.equal(await ps.gets(A), true);
  });

  it('a match by client address applies only when the address matches; the first match wins', async () => {
    await ps.reconfigure({
      match: [{ when: { address: ['10.0.0.0/8', '192.0.2.*'] }, set: { force_command: 'echo other-net' } }],
    });
    let r = await ps.srv.ssh(['echo in'], { login: A });
    assert.equal(r.stdout.toString(), 'in\n');
    assert.equal((await startOf(A))?.match_blocks, undefined);
    await endOf(A);

    await ps.reconfigure({
      match: [
        {
          name: 'local',
          when: { address: ['127.0.0.0/8', '!127.0.0.2'] },
          set: { force_command: 'echo local-net' },
        },
        {
          name: 'later',
          when: { user: ['sshtrail-pol-*'] },
          set: { force_command: 'echo later', sftp: false },
        },
      ],
    });
    r = await ps.srv.ssh(['echo in'], { login: A });
    assert.equal(r.stdout.toString(), 'local-net\n');
    assert.deepEqual((await startOf(A))?.match_blocks, ['local', 'later']);
    await endOf(A);
    // From 127.0.0.2 the first block does not hold: the second's value applies.
    r = await ps.srv.ssh(['echo in'], { login: A, options: ['-b', '127.0.0.2'] });
    assert.equal(r.stdout.toString(), 'later\n');
    assert.deepEqual((await startOf(A))?.match_blocks, ['later']);
    await endOf(A);
    // sftp: false from the second block: the subsystem request is refused, and said so.
    const s = await sftpBatch(A, 'ls\n');
    assert.notEqual(s.code, 0);
    assert.equal((await startOf(A))?.kind, 'subsystem');
    assert.equal((await endOf(A))?.reason, 'subsystem_refused');
    assert.match(ps.srv.logs(), /subsystem refused.*sftp is off for this login/);
  });

  it('the banner is sent before authentication and shown by ssh', async () => {
    const file = join(local, 'banner.txt');
    writeFileSync(file, 'Authorized use only: policy-banner-7\n');
    await ps.reconfigure({ access: { banner: file } });
    const args = ps.srv.sshArgs({ login: A }).map((a) => (a === 'LogLevel=ERROR' ? 'LogLevel=INFO' : a));
    const r = await run('ssh', [...args, 'true']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Authorized use only: policy-banner-7/);
    // Shown before authentication: also to a client that is then refused.
    const refused = await run('ssh', [...args.slice(0, -1), 'sshtrail-nobody@127.0.0.1', 'true']);
    assert.match(refused.out, /policy-banner-7[\s\S]*Permission denied/);
    // Read per connection, as sshd: an edit shows at the next login, without a reload.
    writeFileSync(file, 'Authorized use only: policy-banner-8\n');
    const next = await run('ssh', [...args, 'true']);
    assert.match(next.out, /policy-banner-8/);
  });

  it('every event validates', () => {
    const v = validateAuditFile(ps.srv.dataDir);
    assert.equal(v.code, 0, v.output);
  });
});
