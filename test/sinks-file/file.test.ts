import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import { RotatingFile } from '../../sinks/file/transport.js';
import { asEmit, localSinkTypes, loose, waitFor } from '../pipeline/helpers.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sshtrail-file-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const cmd = asEmit('session.command');

test('events reach the file within the batch timeout, without waiting for close (the record is never more than a batch behind)', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.ndjson');
  const p = await startPipeline({
    config: { sinks: [{ type: 'file', path, batch: { timeout_ms: 20 } }] },
    sinkTypes: localSinkTypes,
    dataDir: dir,
    logger: silentLogger,
  });
  loose(p).emit('session.command', cmd.fields, cmd.context);
  await waitFor(() => statSync(path).size > 0, 'the event on disk');
  const line = JSON.parse(readFileSync(path, 'utf8').trim()) as { type: string };
  assert.equal(line.type, 'session.command');
  await p.close();
});

test("a file that exists with a looser mode is tightened to 0600; sshtrail's own directory to 0700", async () => {
  const dir = tmp();
  const path = join(dir, 'events', 'audit.ndjson');
  const f = new RotatingFile(path, { maxBytes: 1e9, maxAgeMs: 1e9, keep: 1, privateDir: true });
  f.close();
  chmodSync(path, 0o644);
  chmodSync(join(dir, 'events'), 0o755);
  const g = new RotatingFile(path, { maxBytes: 1e9, maxAgeMs: 1e9, keep: 1, privateDir: true });
  g.close();
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'events')).mode & 0o777, 0o700);
});

test('rotates by size before a write would pass max_bytes, keeps the newest rotated files, loses no line', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.ndjson');
  const f = new RotatingFile(path, { maxBytes: 100, maxAgeMs: 1e12, keep: 3 });
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) {
    const l = `${JSON.stringify({ n: i, pad: 'x'.repeat(20) })}\n`;
    lines.push(l);
    await f.append(l);
  }
  f.close();
  const rotated = f.rotated();
  assert.equal(rotated.length, 3, 'keep: 3');
  for (const r of [...rotated, path]) {
    assert.ok(statSync(r).size <= 100, `${r} within max_bytes`);
    assert.equal(statSync(r).mode & 0o777, 0o600);
  }
  const kept = [...rotated, path].map((r) => readFileSync(r, 'utf8')).join('');
  assert.ok(lines.join('').endsWith(kept), 'the kept files hold the newest lines, in order, none cut');
});

test('rotates a file older than max_age', async () => {
  const dir = tmp();
  const path = join(dir, 'audit.ndjson');
  let now = Date.parse('2026-11-29T00:00:00Z');
  const f = new RotatingFile(path, { maxBytes: 1e9, maxAgeMs: 60_000, keep: 0, now: () => now });
  await f.append('{"a":1}\n');
  now += 59_000;
  await f.append('{"a":2}\n');
  assert.equal(f.rotated().length, 0);
  now += 1_000;
  await f.append('{"a":3}\n');
  assert.deepEqual(
    f.rotated().map((r) => readFileSync(r, 'utf8')),
    ['{"a":1}\n{"a":2}\n'],
  );
  assert.equal(readFileSync(path, 'utf8'), '{"a":3}\n');
  assert.match(f.rotated()[0]!, /audit-2026-11-29T000100_000Z-000\.ndjson$/);
  f.close();
});

test('the file sink rotates through the pipeline and every fsync policy writes every event', async () => {
  for (const fsync of ['never', 'interval', 'always'] as const) {
    const dir = tmp();
    const path = join(dir, 'audit.ndjson');
    const p = await startPipeline({
      config: {
        sinks: [
          { type: 'file', path, fsync, rotate: { max_bytes: 4096, keep: 0 }, batch: { max_events: 5 } },
        ],
      },
      sinkTypes: localSinkTypes,
      dataDir: dir,
      logger: silentLogger,
    });
    for (let i = 0; i < 100; i++) loose(p).emit('session.command', cmd.fields, cmd.context);
    await p.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
    assert.ok(files.length > 2, `${fsync}: rotated (${files.length} files)`);
    const seqs = files
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((l) => (JSON.parse(l) as { seq: number }).seq)
      .sort((a, b) => a - b);
    assert.deepEqual(
      seqs,
      Array.from({ length: 100 }, (_, i) => i + 1),
      `${fsync}: every event once`,
    );
  }
});

test('a failing write (disk full) is retried, then counted as lost to the full disk (disk_full) when retries run out', async () => {
  const dir = tmp();
  const p = await startPipeline({
    config: {
      sinks: [
        {
          type: 'file',
          path: '/dev/full',
          retry: { initial_ms: 1, max_ms: 2, max_attempts: 3 },
          batch: { timeout_ms: 1 },
        },
      ],
    },
    sinkTypes: localSinkTypes,
    dataDir: dir,
    logger: silentLogger,
  });
  loose(p).emit('session.command', cmd.fields, cmd.context);
  await waitFor(() => p.stats().sinks[0]!.dropped_total === 1, 'the drop');
  const s = p.stats().sinks[0]!;
  assert.deepEqual(s.dropped, { disk_full: 1 });
  assert.equal(s.retries, 2);
  assert.equal(s.sent, 0);
  assert.equal(statSync('/dev/full').mode & 0o777, 0o666, 'a device is never chmodded');
  await p.close(100);
});
