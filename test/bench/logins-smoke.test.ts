/**
 * The logins benchmark's set-up, run small: both servers serve every one of a few logins as root
 * and as a non-root user. A change to the server's defaults (StrictModes once refused the bench's
 * keys file under /tmp) must not leave `npm run bench` printing 0/200 as if it were a figure.
 * Counts only; no timing is asserted.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isRoot, needs } from '../helpers/privileged.js';

const bench = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'logins.js');

describe('bench logins (small)', { timeout: 180_000 }, () => {
  it('serves every login on both servers, as root and as a non-root user', (t) => {
    if (!needs(t, isRoot, 'needs root (the bench logs in as root and as a second user)')) return;
    const n = 3;
    const r = spawnSync(process.execPath, [bench], {
      env: {
        ...process.env,
        BENCH_LOGINS: String(n),
        BENCH_LOGINS_COMMAND: 'true',
        BENCH_LOGINS_TIMEOUT: '60',
      },
      encoding: 'utf8',
      timeout: 170_000,
    });
    assert.equal(r.status, 0, `bench failed:\n${r.stdout}\n${r.stderr}`);
    const served = [...r.stdout.matchAll(/^(OpenSSH|sshtrail)\s+(\S+)\s+served\s+(\d+)\/(\d+)/gm)];
    assert.equal(served.length, 4, `four result lines:\n${r.stdout}`);
    for (const m of served) assert.equal(`${m[3]}/${m[4]}`, `${n}/${n}`, `${m[1]} as ${m[2]}:\n${r.stdout}`);
  });
});
