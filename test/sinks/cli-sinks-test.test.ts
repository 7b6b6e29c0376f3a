/** `sshtrail sinks test` run as the real CLI against local receivers. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packageRoot } from '../../core/paths.js';
import { ElasticsearchReceiver } from '../receivers/elasticsearch.js';
import { FluentdReceiver } from '../receivers/fluentd.js';
import { SplunkHecReceiver } from '../receivers/splunk-hec.js';

const TOKEN = '11111111-2222-3333-4444-555555555555';

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageRoot(), 'dist/core/cli/main.js'), ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('sshtrail sinks test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-sinks-cli-'));
  const es = new ElasticsearchReceiver();
  const notEs = new ElasticsearchReceiver();
  const hec = new SplunkHecReceiver(TOKEN);
  const fd = new FluentdReceiver();
  const downFd = new FluentdReceiver();
  before(async () => {
    await Promise.all([es.start(), notEs.start(), hec.start(), fd.start(), downFd.start()]);
    notEs.faults.noProductHeader = true;
    await downFd.stop();
  });
  after(async () => {
    await Promise.all([es.stop(), notEs.stop(), hec.stop(), fd.close(), downFd.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, yaml: string) => {
    const f = join(dir, name);
    writeFileSync(f, `data_dir: ${join(dir, 'data')}\n${yaml}`);
    return f;
  };

  test('prints ok per sink and exits 0 when every sink takes the test event', async () => {
    const f = write(
      'ok.yaml',
      `sinks:
  - type: elasticsearch
    name: es
    nodes: ['${es.url}']
  - type: splunk_hec
    name: splunk
    endpoint: ${hec.url}
    token: ${TOKEN}
  - type: fluentd
    name: fluent
    host: 127.0.0.1
    port: ${fd.port}
`,
    );
    const r = await runCli(['sinks', 'test', '--config', f]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^es \(elasticsearch\): ok/m);
    assert.match(r.stdout, /^splunk \(splunk_hec\): ok/m);
    assert.match(r.stdout, /^fluent \(fluentd\): ok/m);
    assert.equal(es.streams.get('logs-sshtrail.audit_test-default')?.size, 1);
    assert.equal(hec.events.at(-1)?.fields?.sshtrail_type, 'audit.test');
    assert.ok(fd.entries.some((e) => e.tag === 'sshtrail.audit.test' && e.record.test === true));
  });

  test('prints the precise reason per failing sink and exits non-zero', async () => {
    const f = write(
      'bad.yaml',
      `sinks:
  - type: elasticsearch
    name: not-es
    nodes: ['${notEs.url}']
    manage_template: false
  - type: splunk_hec
    name: bad-token
    endpoint: ${hec.url}
    token: wrong
  - type: fluentd
    name: fluent-down
    host: 127.0.0.1
    port: ${downFd.port}
    connect_timeout_ms: 500
`,
    );
    const r = await runCli(['sinks', 'test', '--config', f]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^not-es \(elasticsearch\): FAIL product check failed/m);
    assert.match(r.stdout, /^bad-token \(splunk_hec\): FAIL auth\/token: HEC code 4: Invalid token/m);
    assert.match(r.stdout, /^fluent-down \(fluentd\): FAIL connection refused/m);
    assert.match(r.stdout, /3 of 3 sink\(s\) failed/);
  });
});

test('the default sinks (the local audit file) take a test event that sshtrail validate accepts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-sinks-default-'));
  try {
    const cfg = join(dir, 'only-data-dir.yaml');
    writeFileSync(cfg, `data_dir: ${join(dir, 'data')}\n`);
    const r = await runCli(['sinks', 'test', '--config', cfg]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const audit = join(dir, 'data/events/audit.ndjson');
    const lines = readFileSync(audit, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const ev = JSON.parse(lines[0]!) as { type: string; test: boolean; seq: number; server_id: string };
    assert.deepEqual([ev.type, ev.test, ev.seq], ['audit.test', true, 1]);
    assert.match(ev.server_id, /\/sinks-test$/);
    const v = await runCli(['validate', audit]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('validate with no FILE and a terminal on stdin prints its usage instead of waiting', async () => {
  // script(1) gives the CLI a real terminal on stdin; without the check it would wait for events.
  const cli = join(packageRoot(), 'dist/core/cli/main.js');
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      'script',
      ['-qec', `${process.execPath} ${cli} validate`, '/dev/null'],
      { timeout: 30_000 },
      (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }),
    );
  });
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /no events to read: give a FILE, or pipe them in/);
  assert.match(r.out, /Usage: sshtrail validate/);
});
