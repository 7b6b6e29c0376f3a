import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, validateConfig } from '../../core/compose/config.js';
import { SshtrailError } from '../../core/errors.js';
import { sshtrailBin } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'sshtrail-config-'));

function serveWith(yaml: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [
      sshtrailBin,
      'serve',
      '--config',
      file,
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      join(dir, 'data'),
    ]);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => {
      stdout += d;
    });
    c.stderr.on('data', (d) => {
      stderr += d;
    });
    const t = setTimeout(() => c.kill('SIGKILL'), 30_000);
    c.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('configuration', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the server with exit 2 naming the key path of a bad value', async () => {
    const r = await serveWith('auth:\n  max_attempts: lots\n');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /auth\.max_attempts: must be integer/);
    assert.match(r.stderr, /SSHTRAIL_E_CONFIG/);
    assert.equal(r.stdout, '');
  });

  it('treats an unknown key as an error, at any depth', async () => {
    const r = await serveWith('listen: 127.0.0.1:0\nsession:\n  max_sesions: 3\nbogus: 1\n');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /session\.max_sesions: unknown key/);
    assert.match(r.stderr, /bogus: unknown key/);
  });

  it('reports YAML syntax errors with exit 2', async () => {
    const r = await serveWith('auth: [\n');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not valid YAML/);
  });

  it('fills in the embedded defaults', () => {
    const c = validateConfig({});
    assert.equal(c.listen, '127.0.0.1:2222');
    assert.equal(c.auth.authorized_keys_file, '%h/.ssh/authorized_keys');
    assert.equal(c.recording.input, false);
    const root = process.getuid?.() === 0;
    assert.equal(c.data_dir, root ? '/var/lib/sshtrail' : join(process.cwd(), '.sshtrail'));
  });

  it('lets flags override the file', () => {
    const file = join(dir, 'flags.yaml');
    writeFileSync(file, 'listen: 0.0.0.0:22\ndata_dir: /nowhere\nlog:\n  level: warn\n');
    const c = loadConfig(file, { listen: '127.0.0.1:0', data_dir: dir, log_level: 'debug' });
    assert.equal(c.listen, '127.0.0.1:0');
    assert.equal(c.data_dir, dir);
    assert.equal(c.log.level, 'debug');
  });

  it('rejects a bad listen address and enum values with their paths', () => {
    assert.throws(
      () => validateConfig({ listen: 'nope', log: { format: 'xml' } }),
      (e: unknown) =>
        e instanceof SshtrailError &&
        e.code === 'SSHTRAIL_E_CONFIG' &&
        /listen: must match pattern/.test(e.message) &&
        /log\.format: must be one of "text", "json"/.test(e.message),
    );
  });
});
