/** Repeated log lines are rate-limited (issue 10, defect 9): N per window, then one summary. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../core/log.js';

test('the same line from one client is written max times per window, then summarised once', () => {
  const out: string[] = [];
  const clock = { t: 0 };
  const log = createLogger({
    write: (l) => out.push(l),
    repeatLimit: { max: 3, windowMs: 1000, now: () => clock.t },
  }).child({ component: 'ssh' });
  for (let i = 0; i < 1000; i++) log.warn('session refused: limit reached', { client: '192.0.2.1' });
  log.warn('session refused: limit reached', { client: '192.0.2.2' });
  log.warn('another message', { client: '192.0.2.1' });
  assert.equal(out.length, 5);
  clock.t = 1000;
  log.warn('session refused: limit reached', { client: '192.0.2.1' });
  assert.equal(out.length, 7);
  assert.match(
    out[5] as string,
    /WARN suppressed 997 similar lines: session refused: limit reached component=ssh client=192\.0\.2\.1 suppressed=997/,
  );
  assert.match(out[6] as string, /WARN session refused: limit reached component=ssh client=192\.0\.2\.1/);
});
