/**
 * The file sink on a full disk, below the server: a small tmpfs (root only) filled by a filler
 * file. Whole lines only ever reach the file, nothing is written twice, the failure is logged
 * once, and the loss is told in the file (audit.loss disk_full) once space is back.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLogger } from '../../core/log.js';
import { startPipeline } from '../../core/pipeline/index.js';
import { AppendError, RotatingFile } from '../../sinks/file/transport.js';
import { isRoot, needs } from '../helpers/privileged.js';
import { mountTmpfs } from '../helpers/tmpfs.js';
import { asEmit, localSinkTypes, loose, waitFor } from '../pipeline/helpers.js';

const cmd = asEmit('session.command');

function lines(n: number, from = 0): Buffer {
  let s = '';
  for (let i = from; i < from + n; i++) s += `${JSON.stringify({ n: i, pad: 'p'.repeat(80) })}\n`;
  return Buffer.from(s);
}

test('a write that stops short on a full disk is cut back to its last whole line, and the rest appended later is not duplicated', async (t) => {
  if (!needs(t, isRoot, 'mounting a tmpfs needs root')) return;
  const fs = mountTmpfs(64 * 1024);
  try {
    const path = join(fs.dir, 'audit.ndjson');
    const f = new RotatingFile(path, { maxBytes: 1 << 30, maxAgeMs: 1e12, keep: 0 });
    f.append(lines(1));
    await f.append(lines(1));
    // One free page: about 40 of the 200 lines fit, the 41st is cut in the middle by the kernel.
    fs.fill(4096);
    const batch = lines(200, 2);
    const err = await f.append(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppendError, `an AppendError, got ${String(err)}`);
    assert.equal(err.code, 'ENOSPC');
    assert.ok(err.keptBytes > 0 && err.keptBytes < batch.length, `kept ${err.keptBytes}`);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('\n'), 'no partial line at the end of the file');
    assert.equal(Buffer.byteLength(text), 2 * lines(1).length + err.keptBytes);
    fs.free();
    await f.append(batch.subarray(err.keptBytes));
    const ns = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { n: number }).n);
    assert.deepEqual(ns, [0, 0, ...Array.from({ length: 200 }, (_, i) => i + 2)]);
    f.close();
  } finally {
    fs.unmount();
  }
});

test('the file sink on a full disk: whole events only, no duplicates, one error logged, audit.loss disk_full in the file once space is back', async (t) => {
  if (!needs(t, isRoot, 'mounting a tmpfs needs root')) return;
  const fs = mountTmpfs(1024 * 1024);
  const log: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (l) => log.push(l) });
  try {
    const path = join(fs.dir, 'audit.ndjson');
    const p = await startPipeline({
      config: {
        sinks: [
          {
            type: 'file',
            path,
            fsync: 'never',
            batch: { timeout_ms: 5, max_events: 50 },
            retry: { initial_ms: 5, max_ms: 20, max_attempts: 3 },
          },
        ],
        pipeline: { loss_report_interval_ms: 100 },
      },
      sinkTypes: localSinkTypes,
      dataDir: fs.dir,
      logger,
    });
    loose(p).emit('session.command', cmd.fields, cmd.context);
    await waitFor(() => p.stats().sinks[0]!.sent === 1, 'the first event written');
    fs.fill();
    for (let i = 0; i < 300; i++) loose(p).emit('session.command', cmd.fields, cmd.context);
    await waitFor(() => (p.stats().sinks[0]!.dropped.disk_full ?? 0) > 0, 'events lost to the full disk');
    fs.free();
    for (let i = 0; i < 10; i++) loose(p).emit('session.command', cmd.fields, cmd.context);
    // Whole lines only (a line being written may be seen half-way, never after its write).
    const lossIn = () =>
      readFileSync(path, 'utf8')
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.includes('"audit.loss"'))
        .map((l) => JSON.parse(l) as { reason: string; count: number; source: string });
    await waitFor(() => lossIn().some((l) => l.reason === 'disk_full'), 'audit.loss disk_full in the file');
    await p.close();
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('\n'), 'no partial line');
    const events = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; seq: number; type: string; session_id?: string });
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'no event written twice');
    // Every gap in either sequence (the session's commands, the server's own loss reports) is
    // told by an audit.loss in the file, and nothing else is.
    const commands = events.filter((e) => e.type === 'session.command');
    const own = events.filter((e) => e.session_id === undefined);
    assert.equal(new Set(commands.map((e) => e.seq)).size, commands.length);
    const gaps = 311 - commands.length + (Math.max(...own.map((e) => e.seq)) - own.length);
    const told = lossIn().filter((l) => l.source === 'sink:file');
    assert.ok(told.some((l) => l.reason === 'disk_full'));
    assert.equal(
      told.reduce((a, l) => a + l.count, 0),
      gaps,
      'the file tells every event the full disk cost',
    );
    const errors = log.filter((l) => l.includes('"level":"error"') && l.includes('disk full'));
    assert.equal(errors.length, 1, `one error logged, not one per write:\n${errors.join('')}`);
    assert.ok(
      log.some((l) => l.includes('writing the audit file again')),
      'the recovery is logged',
    );
  } finally {
    fs.unmount();
  }
});
