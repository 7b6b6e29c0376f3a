/** `sshtrail serve --check` (like `sshd -t`): the real CLI on good and bad configurations. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sshtrailBin } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'sshtrail-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function check(yaml: string | undefined): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['serve', '--check', '--data-dir', join(dir, 'data')];
  if (yaml !== undefined) {
    const f = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, yaml);
    args.push('--config', f);
  }
  return new Promise((resolve) => {
    execFile(sshtrailBin, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('serve --check accepts the embedded defaults and a valid file, and writes nothing', async () => {
  const d = await check(undefined);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /^sshtrail: configuration OK \(embedded defaults\)$/m);
  const f = await check('listen: 127.0.0.1:0\nsinks:\n  - type: file\n  - type: stdout\n    name: out\n');
  assert.equal(f.code, 0, f.stderr);
  assert.match(f.stdout, /configuration OK \(.*\.yaml\)/);
  // No host keys generated, no data dir made: a check has no side effects.
  assert.equal(existsSync(join(dir, 'data')), false);
});

test('serve --check exits 2 naming every bad key, in the server section and inside a sink', async () => {
  const r = await check('auth:\n  max_atempts: 3\n');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /auth\.max_atempts: unknown key/);
  const s = await check('sinks:\n  - type: file\n    pth: /tmp/x\n    rotate: {}\n');
  assert.equal(s.code, 2);
  assert.match(s.stderr, /sinks\[0\]\.pth: unknown key/);
  const k = await check(`host_keys: [${join(dir, 'missing_key')}]\n`);
  assert.equal(k.code, 2);
  assert.match(k.stderr, /host_keys: cannot read .*missing_key/);
  assert.doesNotMatch(k.stdout, /configuration OK/);
});
