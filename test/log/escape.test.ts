/** Log forging (issue 10, defect 7): untrusted values cannot add lines or hide text in either format. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, textValue } from '../../core/log.js';

function lines(format: 'text' | 'json', msg: string, fields: Record<string, unknown>): string[] {
  const out: string[] = [];
  createLogger({ format, write: (l) => out.push(l) }).warn(msg, fields);
  return out.join('').split('\n').slice(0, -1);
}

const forged = 'x\n2026-12-03T00:00:00.000Z INFO authenticated login=root client=10.6.6.6';

test('a value with a newline stays on its one line, quoted and escaped (text)', () => {
  const l = lines('text', 'failed', { login: forged, client: '127.0.0.1' });
  assert.equal(l.length, 1);
  assert.match(
    l[0] as string,
    / login="x\\n2026-12-03T00:00:00\.000Z INFO authenticated login=root client=10\.6\.6\.6" client=127\.0\.0\.1$/,
  );
});

test('control, separator and bidi characters are escaped; plain values are left bare', () => {
  assert.equal(textValue('deploy'), 'deploy');
  assert.equal(textValue(''), '""');
  assert.equal(textValue('a b'), '"a b"');
  assert.equal(textValue('say "hi"'), '"say \\"hi\\""');
  assert.equal(textValue('a\rb'), '"a\\rb"');
  assert.equal(textValue('a\u001b[31mb'), '"a\\x1b[31mb"');
  assert.equal(textValue('a\u2028b'), '"a\\u{2028}b"');
  assert.equal(textValue('evil\u202egnp.exe'), '"evil\\u{202e}gnp.exe"');
  assert.equal(textValue(42), '42');
  const l = lines('text', `msg with\nnewline`, {});
  assert.equal(l.length, 1);
});

test('JSON lines escape U+2028 and U+2029 as well as newlines', () => {
  const l = lines('json', 'failed', { login: `${forged}\u2028\u2029` });
  assert.equal(l.length, 1);
  assert.ok(!/[\u2028\u2029]/.test(l[0] as string));
  assert.equal((JSON.parse(l[0] as string) as { login: string }).login, `${forged}\u2028\u2029`);
});
