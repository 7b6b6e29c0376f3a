/**
 * StrictModes, as sshd: an authorized keys file that others can write, or one below a directory
 * others can write, is refused, with the reason in the event and the log; auth.strict_modes
 * false turns the check off. Keys live in a real login's home (~/.ssh/authorized_keys).
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

const failures = (ev: EventRecord[]) => ev.filter((e) => e.type === 'auth.failure');

describe('StrictModes', { skip: isRoot ? false : 'needs root: logs in as a test user' }, () => {
  let strict: TestServer;
  let lax: TestServer;
  let user: TestUser;
  let keysFile: string;
  let sshDir: string;

  /** Puts the key file and ~/.ssh back as sshd wants them: the login's own, 0600 and 0700. */
  const restore = () => {
    chmodSync(user.home, 0o755);
    chmodSync(sshDir, 0o700);
    chmodSync(keysFile, 0o600);
  };

  before(async () => {
    user = ensureUser('sshtrail-strict');
    const config = { auth: { authorized_keys_file: '%h/.ssh/authorized_keys', strict_modes: true } };
    strict = await startServer({ config });
    lax = await startServer({
      config: { auth: { authorized_keys_file: '%h/.ssh/authorized_keys', strict_modes: false } },
    });
    sshDir = join(user.home, '.ssh');
    keysFile = join(sshDir, 'authorized_keys');
    mkdirSync(sshDir, { recursive: true });
    chownSync(sshDir, user.uid, user.gid);
    // Both servers' client keys, so that one file serves both.
    writeFileSync(
      keysFile,
      `${readFileSync(`${strict.keyFile}.pub`, 'utf8')}${readFileSync(`${lax.keyFile}.pub`, 'utf8')}`,
    );
    chownSync(keysFile, user.uid, user.gid);
    restore();
  });
  after(async () => {
    restore();
    await strict.stop();
    await lax.stop();
  });

  it('lets the login in when the file and its directories are its own and private', async () => {
    const r = await strict.ssh(['echo', 'ok'], { login: user.name });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(String(r.stdout), 'ok\n');
  });

  for (const [what, change, problem] of [
    ['a world-writable authorized_keys', () => chmodSync(keysFile, 0o666), /for file \/.*authorized_keys$/],
    ['a group-writable ~/.ssh', () => chmodSync(sshDir, 0o770), /for directory \/.*\/\.ssh$/],
    ['a world-writable home', () => chmodSync(user.home, 0o777), /for directory \/home\/sshtrail-strict$/],
  ] as const) {
    it(`refuses ${what}, saying why, unless strict_modes is off`, async () => {
      change();
      try {
        const before = failures(strict.readEvents()).length;
        const r = await strict.ssh(['echo', 'in'], { login: user.name });
        assert.notEqual(r.code, 0, 'logged in despite StrictModes');
        const ev = await strict.waitForEvents((e) => failures(e).length > before);
        const f = failures(ev)
          .slice(before)
          .find((x) => x.login === user.name);
        assert.equal(f?.reason, 'key_not_authorized', JSON.stringify(f));
        assert.match(String(f?.detail), /^StrictModes: /);
        assert.match(String(f?.detail), problem);
        assert.match(strict.logs(), /authentication refused.*StrictModes/);
        // The same file with the check off: in.
        const ok = await lax.ssh(['echo', 'in'], { login: user.name });
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(String(ok.stdout), 'in\n');
      } finally {
        restore();
      }
    });
  }
});
