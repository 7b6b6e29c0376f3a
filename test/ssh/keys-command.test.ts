/**
 * auth.authorized_keys_command (sshd's AuthorizedKeysCommand) with a small script that prints
 * keys: run as authorized_keys_command_user with the %u %U %h %t %f %k tokens, used besides the
 * authorized keys file, its options honoured; a timeout, a failure or a flood of output is a
 * refusal with a log line, promptly.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { repoRoot, sshtrailBin, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

describe('authorized_keys_command', {
  skip: isRoot ? false : 'needs root: runs the command as a test user',
}, () => {
  let srv: TestServer;
  let runAs: TestUser;
  let dir: string;
  let key: string;
  const modes = ['mode-sleep', 'mode-fail', 'mode-flood'];

  before(async () => {
    runAs = ensureUser('sshtrail-akcmd');
    dir = mkdtempSync(join(tmpdir(), 'sshtrail-akc-'));
    chmodSync(dir, 0o755);
    const script = join(dir, 'keys.sh');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        `d=${dir}`,
        'echo "$(id -un) $*" >> "$d/args.log"',
        '[ -e "$d/mode-sleep" ] && exec sleep 30',
        '[ -e "$d/mode-fail" ] && { echo "ldap is down" >&2; exit 3; }',
        '[ -e "$d/mode-flood" ] && exec head -c 2000000 /dev/zero',
        'exec cat "$d/keys.txt"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    writeFileSync(join(dir, 'args.log'), '');
    chownSync(join(dir, 'args.log'), runAs.uid, runAs.gid);
    srv = await startServer({
      config: {
        auth: {
          authorized_keys_command: [script, '%u', '%U', '%h', '%t', '%f', '%k', '100%%'],
          authorized_keys_command_user: runAs.name,
          authorized_keys_command_timeout: 2,
        },
      },
    });
    key = srv.newKey('from_command');
  });
  beforeEach(() => {
    for (const m of modes) rmSync(join(dir, m), { force: true });
    writeFileSync(join(dir, 'keys.txt'), '');
    writeFileSync(join(dir, 'args.log'), '');
  });
  after(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pub = () => readFileSync(`${key}.pub`, 'utf8').trim();
  const fingerprintOf = (f: string) =>
    execFileSync('ssh-keygen', ['-lf', f], { encoding: 'utf8' }).split(' ')[1] as string;

  it('lets in a key the command prints, run as the command user with the tokens filled in', async () => {
    writeFileSync(join(dir, 'keys.txt'), `# from the directory\n${pub()}\n`);
    const r = await srv.ssh(['echo in'], { identity: key });
    assert.equal(r.code, 0, r.stderr + srv.logs());
    assert.equal(r.stdout.toString(), 'in\n');
    const line = readFileSync(join(dir, 'args.log'), 'utf8').trim().split('\n')[0] ?? '';
    const [b64] = pub().split(' ').slice(1);
    assert.equal(
      line,
      `${runAs.name} ${srv.login} ${process.getuid?.()} ${process.env.HOME ?? '/root'} ssh-ed25519 ${fingerprintOf(`${key}.pub`)} ${b64} 100%`,
    );
  });

  it('honours the options of the lines it prints', async () => {
    writeFileSync(join(dir, 'keys.txt'), `command="echo forced" ${pub()}\n`);
    const r = await srv.ssh(['echo asked'], { identity: key });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'forced\n');
  });

  it('is not asked when the authorized keys file lets the key in', async () => {
    const r = await srv.ssh(['echo file'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'args.log'), 'utf8'), '');
  });

  it('a key it does not print is refused', async () => {
    writeFileSync(join(dir, 'keys.txt'), `${readFileSync(`${srv.keyFile}.pub`, 'utf8')}`);
    const r = await srv.ssh(['true'], { identity: key });
    assert.equal(r.code, 255);
    assert.match(srv.logs(), /key not listed in authorized_keys_command output/);
  });

  for (const [mode, log] of [
    ['mode-sleep', /authorized_keys_command failed.*timed out after 2 s/],
    ['mode-fail', /authorized_keys_command failed.*exited with status 3.*ldap is down/],
    ['mode-flood', /authorized_keys_command failed.*printed more than 1048576 bytes/],
  ] as const) {
    it(`refuses with a log line when the command ${mode.slice(5)}s`, async () => {
      writeFileSync(join(dir, 'keys.txt'), `${pub()}\n`);
      writeFileSync(join(dir, mode), '');
      const r = await srv.ssh(['true'], { identity: key, timeoutMs: 20_000 });
      assert.equal(r.code, 255, r.stderr);
      assert.match(srv.logs(), log);
    });
  }

  it('needs authorized_keys_command_user, an absolute program and known tokens', () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, 'auth:\n  authorized_keys_command: [keys.sh, "%u", "%z"]\n');
    const r = spawnSync(process.execPath, [sshtrailBin, 'serve', '--check', '--config', cfg], {
      encoding: 'utf8',
      cwd: repoRoot,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /auth\.authorized_keys_command_user: required with auth\.authorized_keys_command/);
    assert.match(r.stderr, /auth\.authorized_keys_command\[0\]: must be an absolute path/);
    assert.match(r.stderr, /auth\.authorized_keys_command\[2\]: unknown token %z/);
  });
});
