/**
 * The data dir's own mode: a data dir (or a parent) that someone else could write is refused at
 * start and by `serve --check`, naming the path and the fix; a missing one is created 0700. The
 * real CLI, on real directories.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sshtrailBin, startServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'sshtrail-datadir-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      sshtrailBin,
      ['serve', '--listen', '127.0.0.1:0', ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('a data dir writable by others is refused, at start and by serve --check', async () => {
  const data = join(dir, 'open');
  mkdirSync(data);
  chmodSync(data, 0o777);
  for (const extra of [[], ['--check']]) {
    const r = await serve(['--data-dir', data, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /data dir .*open is writable by its group \(mode 0777\)/);
    assert.match(r.stderr, /fix: chmod 700 '.*open'/);
    assert.doesNotMatch(r.stdout, /listening/);
  }
});

test('a data dir under a parent anyone can write (no sticky bit) is refused', async () => {
  const parent = join(dir, 'shared');
  mkdirSync(parent);
  chmodSync(parent, 0o777);
  const r = await serve(['--data-dir', join(parent, 'data')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /shared \(a parent of the data dir\) is writable by group or others without the sticky bit/,
  );
  assert.match(r.stderr, /fix: chmod go-w '.*shared'/);
});

test('a missing data dir is created 0700 and the server starts', async () => {
  const srv = await startServer();
  try {
    assert.equal(statSync(srv.dataDir).mode & 0o777, 0o700);
    const r = await srv.ssh(['echo', 'ok']);
    assert.equal(r.stdout.toString().trim(), 'ok');
  } finally {
    await srv.stop();
  }
});
