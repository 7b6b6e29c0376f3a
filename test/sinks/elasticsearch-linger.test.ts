/**
 * A session whose processes linger (session.end with lingering > 0, session.on_end keep): the
 * events that follow its session.end still carry the session's entry leader with its start, and
 * session.linger.end is mapped as the session's end, after which the start is forgotten.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeBulk, SessionStarts } from '../../sinks/elasticsearch/encoder.js';
import { envelope } from './fixtures.js';

type Doc = {
  event: { type?: string[]; category?: string[]; reason?: string; start?: string };
  process?: { entry_leader?: { start?: string } };
};

function docs(body: string): Doc[] {
  return body
    .trim()
    .split('\n')
    .filter((_, i) => i % 2 === 1)
    .map((l) => JSON.parse(l) as Doc);
}

test('events after a lingering session.end keep the entry leader until session.linger.end', () => {
  const starts = new SessionStarts();
  const start = envelope('session.start', { kind: 'shell', pty: false });
  const command = { pid: 7, ppid: 1, program: 'sleep', argv: ['sleep'], return_code: 0, cgroup_id: 1 };
  const batch = [
    start,
    envelope('session.end', { exit_code: 0, duration_ms: 1, bytes_in: 0, bytes_out: 0, lingering: 1 }),
    envelope('session.command', command),
    envelope('session.linger.end', { reason: 'exited', processes: 1, duration_ms: 9, linger_ms: 8 }),
    envelope('session.command', command),
  ];
  const [, , later, linger, after] = docs(encodeBulk(batch, 'default', starts));
  assert.equal(later?.process?.entry_leader?.start, start.time);
  assert.deepEqual(linger?.event.category, ['session']);
  assert.deepEqual(linger?.event.type, ['end']);
  assert.equal(linger?.event.start, start.time);
  assert.equal(linger?.event.reason, 'exited');
  // Forgotten once the session is over for good.
  assert.equal(after?.process?.entry_leader?.start, undefined);
});
