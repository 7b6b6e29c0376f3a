import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

/** The concatenated `o` events of an asciicast file, and whether it ended cleanly. */
function castOutput(path: string): { output: string; complete: boolean } {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean).slice(1);
  let output = '';
  let complete = false;
  for (const l of lines) {
    const [, code, data] = JSON.parse(l) as [number, string, string];
    if (code === 'o') output += data;
    if (code === 'm' && data.startsWith('sshtrail:end')) complete = true;
  }
  return { output, complete };
}

async function inBatches<T>(n: number, width: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => run(i + k)))));
  }
  return out;
}

describe('output integrity', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('loses no byte of 100 KB printed right before exit, in 50 PTY runs, on the wire or in the recording', async () => {
    const size = 100_000;
    // No newlines: the terminal passes the bytes through unchanged.
    const cmd = `head -c ${size} /dev/zero | tr '\\0' x; exit 5`;
    const results = await inBatches(50, 5, () => srv.ssh([cmd], { tty: true }));
    for (const r of results) {
      assert.equal(r.code, 5);
      assert.equal(r.stdout.length, size, `got ${r.stdout.length} bytes`);
    }
    const events = await srv.waitForEvents(
      (e) => e.filter((x) => x.type === 'session.end' && x.exit_code === 5).length >= 50,
    );
    const ends = events.filter((x) => x.type === 'session.end' && x.exit_code === 5);
    for (const end of ends) {
      assert.equal(end.bytes_out, size);
      const cast = castOutput(String(end.recording));
      assert.equal(cast.output.length, size);
      assert.ok(cast.complete);
    }
  });

  it('loses no byte of 100 KB printed right before exit without a PTY (stdout and stderr)', async () => {
    const size = 100_000;
    const cmd = `head -c ${size} /dev/zero | tr '\\0' y; head -c ${size} /dev/zero | tr '\\0' z >&2; exit 6`;
    const results = await inBatches(10, 5, () => srv.ssh([cmd]));
    for (const r of results) {
      assert.equal(r.code, 6);
      assert.equal(r.stdout.toString(), 'y'.repeat(size));
      assert.equal(r.stderr, 'z'.repeat(size));
    }
  });

  it('carries 100 MB each way through exec with the same sha256', async () => {
    const size = 100 * 1024 * 1024;
    const up = randomBytes(size);
    const upHash = createHash('sha256').update(up).digest('hex');
    const r1 = await srv.ssh(['sha256sum'], { input: up, timeoutMs: 120_000 });
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r1.stdout.toString().split(' ')[0], upHash);

    // Printable data keeps the recording the same size as the stream.
    const r2 = await srv.ssh(
      [`head -c ${(size / 4) * 3} /dev/urandom | base64 -w 0 | tee >(sha256sum >&2)`],
      {
        timeoutMs: 120_000,
      },
    );
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.stdout.length, size);
    assert.equal(createHash('sha256').update(r2.stdout).digest('hex'), r2.stderr.split(' ')[0]);
  });
});
