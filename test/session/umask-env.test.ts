/**
 * What a session inherits: the umask is 022 as under sshd (the server's own, 0000 under some
 * service managers, never leaks), and variables that change how the shell or the loader behave
 * are refused even when an operator widens the env allow-list to name them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

const dangerous = {
  SHELLOPTS: 'xtrace',
  BASHOPTS: 'extdebug',
  BASH_XTRACEFD: '1',
  GLIBC_TUNABLES: 'glibc.malloc.check=3',
  PROMPT_COMMAND: 'true',
};

describe('session umask and environment', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({
      // The server itself runs with umask 0000, as some service managers start daemons.
      wrap: ['/bin/sh', '-c', 'umask 0000 && exec "$@"', 'sh'],
      config: {
        session: { env_allow: ['LANG', 'LC_*', 'SHLVL', 'SSHTRAIL_T_OK', ...Object.keys(dangerous)] },
      },
    });
  });
  after(async () => {
    await srv.stop();
  });

  it('runs with umask 022 whatever the server runs with', async () => {
    const r = await srv.ssh(['umask']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(String(r.stdout).trim(), '0022');
  });

  it('refuses SHELLOPTS, BASHOPTS, BASH_XTRACEFD, GLIBC_TUNABLES and PROMPT_COMMAND even when allowed', async () => {
    const r = await srv.ssh(['env'], { env: { ...dangerous, SSHTRAIL_T_OK: 'yes' } });
    assert.equal(r.code, 0, r.stderr);
    const env = String(r.stdout);
    // The allowed harmless one passes: the request itself reached the server.
    assert.match(env, /^SSHTRAIL_T_OK=yes$/m);
    for (const [k, v] of Object.entries(dangerous))
      assert.ok(!env.split('\n').includes(`${k}=${v}`), `${k} reached the session:\n${env}`);
  });
});
