/**
 * Sessions without a PTY are recorded byte for byte (issue 13): binary output, NULs and invalid
 * UTF-8 come back exactly from `sshtrail play --raw`, stdout and stderr each in their own stream,
 * the timing index accounts for every byte, a NUL costs one byte on disk (asciicast cost six),
 * and `sshtrail play` replays both streams. Through the real server and OpenSSH's client.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readTiming } from '../../core/recording/raw-read.js';
import { recordingEnd } from '../helpers/recording.js';
import { sshtrailBin, startServer, type TestServer } from '../helpers/server.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('raw recordings (sessions without a PTY)', { timeout: 120_000 }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  async function endOf(code: number) {
    const ev = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.end' && x.exit_code === code),
    );
    const end = ev.find((x) => x.type === 'session.end' && x.exit_code === code);
    assert.ok(end);
    return { id: String(end.session_id), path: String(end.recording), format: end.recording_format };
  }

  function play(args: string[]): Buffer {
    const r = spawnSync(process.execPath, [sshtrailBin, 'play', '--data-dir', srv.dataDir, ...args], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    return r.stdout;
  }

  it('keeps binary stdout and stderr exactly, each in its own stream, every byte in the timing index', async () => {
    // 2 MiB of random bytes (invalid UTF-8 galore) on stdout; NULs and bytes 0x80-0xff on stderr.
    const cmd =
      "head -c 2097152 /dev/urandom | tee /tmp/sshtrail-raw-out.bin; printf '\\000\\377\\200x\\000' >&2; exit 21";
    const r = await srv.ssh([cmd]);
    assert.equal(r.code, 21, r.stderr.toString());
    const { id, path, format } = await endOf(21);
    assert.equal(format, 'raw');
    const sent = readFileSync('/tmp/sshtrail-raw-out.bin');
    assert.equal(sha(r.stdout), sha(sent), 'the client got the bytes');
    assert.equal(sha(play([id, '--raw'])), sha(sent), 'play --raw gives stdout exactly');
    assert.deepEqual([...play([id.slice(0, 8), '--raw', '--stream', 'stderr'])], [0, 0xff, 0x80, 0x78, 0]);
    // The index accounts for every byte of each stream, in order.
    const total = { stdout: 0, stderr: 0, stdin: 0 };
    for await (const e of readTiming(path)) if (!('end' in e)) total[e.stream] += e.bytes;
    assert.deepEqual(total, { stdout: sent.length, stderr: 5, stdin: 0 });
    assert.equal(recordingEnd(path), 'exit=21');
    // `play` replays both streams (untimed here: a short idle limit).
    const replay = play(['--speed', '100', '--idle-limit', '0.01', id]);
    assert.equal(replay.length, sent.length + 5);
  });

  it('a NUL costs one byte on disk, and stdin is not kept without recording.input', async () => {
    const n = 8 * 1024 * 1024;
    const r = await srv.ssh([`head -c ${n} /dev/zero; exit 22`]);
    assert.equal(r.stdout.length, n);
    const { id, path } = await endOf(22);
    assert.equal(statSync(join(path, 'stdout')).size, n);
    // A few timing lines per second, not one per chunk.
    assert.ok(statSync(join(path, 'timing')).size < 64 * 1024);
    const missing = spawnSync(
      process.execPath,
      [sshtrailBin, 'play', '--data-dir', srv.dataDir, id, '--raw', '--stream', 'stdin'],
      { encoding: 'utf8' },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no stdin stream \(stdin is recorded only with recording.input on\)/);
    const bad = spawnSync(
      process.execPath,
      [sshtrailBin, 'play', '--data-dir', srv.dataDir, id, '--stream', 'stdout'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--stream goes with --raw/);
  });

  it('a PTY session stays asciicast, with its exact output beside it for --raw (bytes not UTF-8 too)', async () => {
    await srv.ssh(["printf 'pty-\\377\\376-x\\n'; exit 23"], { tty: true });
    const { id, path, format } = await endOf(23);
    assert.equal(format, 'asciicast');
    assert.match(path, /\.cast$/);
    // asciicast holds text: the invalid bytes became U+FFFD there.
    assert.match(readFileSync(path, 'utf8'), /pty-\\ufffd\\ufffd-x|pty-\ufffd\ufffd-x/);
    // The terminal's bytes exactly (the PTY turned \n into \r\n).
    assert.deepEqual(play([id, '--raw']), Buffer.from('pty-\xff\xfe-x\r\n', 'latin1'));
    // One recording per session in the list and for a prefix, though two names are on disk.
    assert.equal(play([id.slice(0, 8), '--raw']).length, 10);
    const list = spawnSync(process.execPath, [sshtrailBin, 'recordings', '--data-dir', srv.dataDir], {
      encoding: 'utf8',
    });
    assert.equal(list.stdout.split(id.slice(0, 8)).length - 1, 1, list.stdout);
  });
});
