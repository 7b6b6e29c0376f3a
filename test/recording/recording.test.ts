import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as pty from 'node-pty';
import { sshtrailBin, startServer, type TestServer } from '../helpers/server.js';

async function endOf(srv: TestServer, exitCode: number) {
  const ev = await srv.waitForEvents((e) =>
    e.some((x) => x.type === 'session.end' && x.exit_code === exitCode),
  );
  const end = ev.find((x) => x.type === 'session.end' && x.exit_code === exitCode);
  assert.ok(end);
  return { id: String(end.session_id), path: String(end.recording) };
}

describe('recordings', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ config: { recording: { input: true } } });
  });
  after(async () => {
    await srv.stop();
  });

  it('are private: directories 0700, files 0600 (asciicast files and raw recordings alike)', async () => {
    await srv.ssh(['exit 11']);
    await srv.ssh(['exit 10'], { tty: true });
    const { path } = await endOf(srv, 11);
    await endOf(srv, 10);
    const dir = join(srv.dataDir, 'recordings');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const kinds = new Set<string>();
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) {
        kinds.add('raw');
        assert.equal(statSync(p).mode & 0o777, 0o700, p);
        for (const g of readdirSync(p)) assert.equal(statSync(join(p, g)).mode & 0o777, 0o600, join(p, g));
      } else {
        kinds.add('cast');
        assert.equal(statSync(p).mode & 0o777, 0o600, p);
      }
    }
    assert.deepEqual([...kinds].sort(), ['cast', 'raw']);
    assert.ok(path.startsWith(dir));
  });

  it('record input when recording.input is on: `i` events in a PTY session, the stdin stream without one', async () => {
    await srv.ssh(['cat >/dev/null; exit 12'], { input: 'typed-secret\n' });
    const { path } = await endOf(srv, 12);
    assert.equal(readFileSync(join(path, 'stdin'), 'utf8'), 'typed-secret\n');

    await srv.ssh(['read -r line; exit 9'], { tty: true, input: 'typed-in-pty\n' });
    const pty = await endOf(srv, 9);
    const events = readFileSync(pty.path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string]);
    assert.ok(events.some((e) => e[1] === 'i' && e[2].includes('typed-in-pty')));
  });

  it('play with asciinema (play, and cat in a terminal)', async () => {
    await srv.ssh(['printf "hello from the recording\\n"; exit 13'], { tty: true });
    const { path } = await endOf(srv, 13);
    const played = spawnSync('asciinema', ['play', '-s', '20', '-i', '0.1', path], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(played.status, 0, played.stderr);
    assert.match(played.stdout, /hello from the recording/);

    // `asciinema cat` insists on a terminal.
    const term = pty.spawn('asciinema', ['cat', path], { cols: 80, rows: 24 });
    let shown = '';
    term.onData((d) => {
      shown += d;
    });
    const code = await new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    assert.equal(code, 0, shown);
    assert.match(shown, /hello from the recording/);
  });

  it('are listed by `sshtrail recordings` and replayed by `sshtrail play`', async () => {
    await srv.ssh(['echo replay-me; exit 14']);
    const { id } = await endOf(srv, 14);
    const list = spawnSync(process.execPath, [sshtrailBin, 'recordings', '--data-dir', srv.dataDir], {
      encoding: 'utf8',
    });
    assert.equal(list.status, 0, list.stderr);
    const row = list.stdout.split('\n').find((l) => l.startsWith(id));
    assert.ok(row, list.stdout);
    assert.match(
      row,
      new RegExp(`^${id}\\s+${srv.login}\\s+127\\.0\\.0\\.1\\s+\\S+Z\\s+[\\d.]+s\\s+\\S+\\s+raw\\s+exit=14$`),
    );

    const json = spawnSync(
      process.execPath,
      [sshtrailBin, 'recordings', '--json', '--data-dir', srv.dataDir],
      {
        encoding: 'utf8',
      },
    );
    const entry = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.id === id);
    assert.equal(entry.status, 'exit=14');
    assert.equal(entry.format, 'raw');

    const played = spawnSync(
      process.execPath,
      [
        sshtrailBin,
        'play',
        '--speed',
        '50',
        '--idle-limit',
        '0.1',
        '--data-dir',
        srv.dataDir,
        id.slice(0, 8),
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(played.status, 0, played.stderr);
    assert.equal(played.stdout, 'replay-me\n');

    const missing = spawnSync(process.execPath, [sshtrailBin, 'play', '--data-dir', srv.dataDir, 'nope'], {
      encoding: 'utf8',
    });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /SSHTRAIL_E_NOT_FOUND/);
  });
});
