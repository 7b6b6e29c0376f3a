import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../core/paths.js';

const root = packageRoot();
const example = join(root, 'examples', 'validate-third-party');

function check(dir: string) {
  return spawnSync('bash', [join(example, 'check.sh'), dir], {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      SSHTRAIL: `${process.execPath} ${join(root, 'dist', 'core', 'cli', 'main.js')}`,
      AJV: `${process.execPath} ${join(root, 'node_modules', 'ajv-cli', 'dist', 'index.js')}`,
    },
    cwd: root,
  });
}

test("the third-party example's check.sh passes its fixtures with sshtrail validate and ajv-cli", () => {
  const r = check(join(example, 'fixtures'));
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /session\.command--ls\.json valid/);
  assert.match(r.stderr, /4 events, 4 valid, 0 invalid/);
});

test('check.sh fails when a fixture has drifted from the schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-3p-'));
  try {
    for (const f of readdirSync(join(example, 'fixtures')))
      copyFileSync(join(example, 'fixtures', f), join(dir, f));
    writeFileSync(
      join(dir, 'session.end--drifted.json'),
      JSON.stringify({
        type: 'session.end',
        schema: 'https://sshtrail.dev/schemas/session.end/v1.json',
        duration: 5,
      }),
    );
    const r = check(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /session\.end--drifted\.json invalid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
