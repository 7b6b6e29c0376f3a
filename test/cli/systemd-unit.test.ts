/**
 * examples/systemd: the unit parses (systemd-analyze verify, with the install path pointed at this
 * checkout) and its pre-start and reload check runs as written against a real config.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { needs } from '../helpers/privileged.js';
import { repoRoot } from '../helpers/server.js';

const unitFile = join(repoRoot, 'examples/systemd/sshtrail.service');

test('the systemd unit verifies, and its ExecStartPre config check runs as written', (t) => {
  if (!needs(t, existsSync('/usr/bin/systemd-analyze'), 'systemd-analyze not installed')) return;
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `listen: 127.0.0.1:0\ndata_dir: ${join(dir, 'data')}\n`);
  const unit = readFileSync(unitFile, 'utf8')
    .replaceAll('/opt/sshtrail', repoRoot)
    .replaceAll('/etc/sshtrail/config.yaml', config);
  const local = join(dir, 'sshtrail.service');
  writeFileSync(local, unit);
  const v = spawnSync('systemd-analyze', ['verify', local], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  assert.doesNotMatch(v.stderr, /sshtrail\.service:\d+:/, v.stderr);
  const pre = /^ExecStartPre=(.*)$/m.exec(unit)?.[1]?.split(' ');
  assert.ok(pre, 'ExecStartPre present');
  const out = execFileSync(pre[0]!, pre.slice(1), { encoding: 'utf8' });
  assert.match(out, /configuration OK/);
  // The same check refuses a broken config, so a reload keeps the running server.
  writeFileSync(config, 'listen: [nope\n');
  const bad = spawnSync(pre[0]!, pre.slice(1), { encoding: 'utf8' });
  assert.equal(bad.status, 2, bad.stderr);
});
