/**
 * Signals as an operator sends them (issue 11): SIGHUP re-reads the config file and host keys for
 * new connections while open sessions go on, a bad file keeps the running config, and no signal
 * that stops the server loses a session's events or recording.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openSession } from '../helpers/live-session.js';
import { recordedOutput } from '../helpers/recording.js';
import { type EventRecord, generateKey, startServer, type TestServer } from '../helpers/server.js';

const RELOADED = /INFO configuration reloaded for new connections/;

/** The host key blobs the server offers now (ssh-keyscan, no login). */
function offeredHostKeys(srv: TestServer): string[] {
  const out = execFileSync('ssh-keyscan', ['-p', String(srv.port), '-T', '10', srv.host], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return out
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(' ')[2] as string);
}

const blob = (pubFile: string) => readFileSync(pubFile, 'utf8').split(' ')[1] as string;

/** A session's own events, found by its session.start being the `nth` one. */
function sessionEvents(events: EventRecord[], nth: number): EventRecord[] {
  const start = events.filter((e) => e.type === 'session.start')[nth];
  return start ? events.filter((e) => e.session_id === start.session_id) : [];
}

function recordingOf(events: EventRecord[]): string {
  const end = events.find((e) => e.type === 'session.end');
  assert.ok(end?.recording, 'session.end names its recording');
  return recordedOutput(String(end.recording));
}

describe('SIGHUP reloads the configuration', { timeout: 120_000 }, () => {
  it('a new authorized_keys_file applies to new logins; a session opened before goes on and its events arrive', async () => {
    const srv = await startServer();
    try {
      const before = await openSession(srv);
      const second = srv.newKey('id_second');
      const keys2 = join(srv.dir, 'keys2');
      mkdirSync(keys2, { mode: 0o700 });
      writeFileSync(join(keys2, srv.login), readFileSync(`${second}.pub`), { mode: 0o600 });
      assert.equal((await srv.ssh(['true'], { identity: second })).code, 255, 'not authorized yet');

      srv.writeConfig({ auth: { authorized_keys_file: join(keys2, '%u') } });
      srv.signal('SIGHUP');
      await srv.waitForLog(/configuration reloaded for new connections .*changed=auth/);

      const now = await srv.ssh(['echo', 'new key'], { identity: second });
      assert.equal(now.code, 0, now.stderr);
      assert.equal(now.stdout.toString(), 'new key\n');
      assert.equal((await srv.ssh(['true'])).code, 255, 'the old file no longer applies to new logins');

      // The session from before the reload runs commands and ends normally.
      assert.equal(await before.run('echo still here'), 'still here\n');
      assert.equal(await before.end(), 0);
      const ev = await srv.waitForEvents((e) => sessionEvents(e, 0).some((x) => x.type === 'session.end'));
      const mine = sessionEvents(ev, 0);
      assert.equal(mine.find((x) => x.type === 'session.end')?.exit_code, 0);
      assert.match(recordingOf(mine), /still here/);
      assert.equal(srv.process.exitCode, null);
    } finally {
      await srv.stop();
    }
  });

  it('new connections get the host key the config now names', async () => {
    const keys = mkdtempSync(join(tmpdir(), 'sshtrail-hostkeys-'));
    const first = generateKey(join(keys, 'hk1'));
    const second = generateKey(join(keys, 'hk2'));
    const srv = await startServer({ config: { host_keys: [first] } });
    try {
      assert.deepEqual(offeredHostKeys(srv), [blob(`${first}.pub`)]);
      srv.writeConfig({ host_keys: [second] });
      srv.signal('SIGHUP');
      await srv.waitForLog(
        /configuration reloaded for new connections .*changed=host_keys .*host_keys_changed=true/,
      );
      assert.deepEqual(offeredHostKeys(srv), [blob(`${second}.pub`)]);
      // The client trusted the first key: start it afresh, and it logs in under the new one.
      rmSync(join(srv.dir, 'known_hosts'), { force: true });
      const r = await srv.ssh(['echo', 'ok']);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await srv.stop();
      rmSync(keys, { recursive: true, force: true });
    }
  });

  it('a broken file (YAML, an unknown key, an unreadable host key, a bad sink) keeps the running config, with the error logged', async () => {
    const srv = await startServer();
    try {
      const hostKeys = offeredHostKeys(srv);
      const broken: [string | Record<string, unknown>, RegExp][] = [
        ['auth: [\n', /not valid YAML/],
        [{ auth: { max_attemps: 2 } }, /auth\.max_attemps: unknown key/],
        [{ host_keys: [join(srv.dir, 'no-such-key')] }, /host_keys: cannot read .*no-such-key/],
        [{ sinks: [{ type: 'file', colour: 'red' }] }, /colour/],
      ];
      for (const [config, why] of broken) {
        srv.writeConfig(config);
        srv.signal('SIGHUP');
        await srv.waitForLog(
          new RegExp(`ERROR reload failed; the running configuration stays file=\\S+ err=.*${why.source}`),
        );
        const r = await srv.ssh(['echo', 'ok']);
        assert.equal(r.code, 0, `${r.stderr}\n${srv.logs()}`);
        assert.equal(r.stdout.toString(), 'ok\n');
      }
      assert.deepEqual(offeredHostKeys(srv), hostKeys);
      assert.doesNotMatch(srv.logs(), RELOADED);
    } finally {
      await srv.stop();
    }
  });

  it('settings only a restart applies (sinks) are logged and kept; the rest of the file (env allow-list, log level) applies', async () => {
    const srv = await startServer();
    try {
      const env = { RELOADED_VAR: 'yes', LC_NOT_NOW: 'x' };
      const before = await srv.ssh(['echo "[$RELOADED_VAR]"'], { env });
      assert.equal(before.stdout.toString(), '[]\n', before.stderr);
      srv.writeConfig({
        sinks: [{ type: 'stdout' }],
        session: { env_allow: ['SHLVL', 'RELOADED_VAR'] },
        log: { level: 'debug' },
      });
      srv.signal('SIGHUP');
      await srv.waitForLog(
        /WARN reload: setting changed but needs a restart; the running value stays key=sinks/,
      );
      await srv.waitForLog(/configuration reloaded for new connections .*changed=session,log\.level/);
      assert.doesNotMatch(srv.logs(), /env request refused: name not allowed/);
      const r = await srv.ssh(['echo "[$RELOADED_VAR]"'], { env });
      assert.equal(r.stdout.toString(), '[yes]\n', r.stderr);
      await srv.waitForLog(/DEBUG env request refused: name not allowed .*name=LC_NOT_NOW/);
      // Events still go to the running file sink.
      await srv.waitForEvents((e) => e.filter((x) => x.type === 'session.end').length === 2);
    } finally {
      await srv.stop();
    }
  });

  it('a session that ended just before SIGHUP has all its events and its recording; the server goes on', async () => {
    const srv = await startServer();
    try {
      const r = await srv.ssh(['echo', 'just ended']);
      assert.equal(r.code, 0, r.stderr);
      srv.signal('SIGHUP');
      await srv.waitForLog(RELOADED);
      const ev = await srv.waitForEvents((e) => sessionEvents(e, 0).some((x) => x.type === 'session.end'));
      const mine = sessionEvents(ev, 0);
      assert.deepEqual(
        ['session.start', 'session.end'].filter((t) => !mine.some((x) => x.type === t)),
        [],
      );
      assert.ok(ev.some((x) => x.type === 'auth.success'));
      assert.match(recordingOf(mine), /just ended/);
      const after = await srv.ssh(['echo', 'after']);
      assert.equal(after.stdout.toString(), 'after\n', after.stderr);
    } finally {
      await srv.stop();
    }
  });
});

describe('stop signals flush', { timeout: 120_000 }, () => {
  it('SIGQUIT stops like SIGTERM: exit 0, a just-ended session has its events and its recording', async () => {
    const srv = await startServer();
    try {
      const r = await srv.ssh(['echo', 'quit soon']);
      assert.equal(r.code, 0, r.stderr);
      const { code, signal } = await srv.stop('SIGQUIT', { keepDir: true });
      assert.equal(signal, null, srv.logs());
      assert.equal(code, 0);
      const mine = sessionEvents(srv.readEvents(), 0);
      assert.ok(
        mine.some((x) => x.type === 'session.end'),
        JSON.stringify(mine),
      );
      assert.match(recordingOf(mine), /quit soon/);
    } finally {
      rmSync(srv.dir, { recursive: true, force: true });
    }
  });

  it('a second SIGTERM during shutdown does not cut it short: the open session still gets its session.end', async () => {
    const srv = await startServer({ config: { session: { shutdown_grace: 1 } } });
    try {
      const open = await openSession(srv);
      await open.run('echo open');
      srv.signal('SIGTERM');
      await srv.waitForLog(/INFO shutting down signal=SIGTERM/);
      srv.signal('SIGTERM');
      srv.signal('SIGHUP');
      const { code, signal } = await srv.stop('SIGTERM', { keepDir: true });
      assert.equal(signal, null, srv.logs());
      assert.equal(code, 0);
      assert.match(srv.logs(), /WARN already shutting down/);
      const mine = sessionEvents(srv.readEvents(), 0);
      assert.ok(
        mine.some((x) => x.type === 'session.end'),
        JSON.stringify(mine),
      );
      await open.end();
    } finally {
      rmSync(srv.dir, { recursive: true, force: true });
    }
  });
});
