import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AsciicastWriter } from '../../core/recording/asciicast.js';

const dir = mkdtempSync(join(tmpdir(), 'sshtrail-cast-'));
const header = (id: string) => ({
  sessionId: id,
  login: 'u',
  clientAddr: '127.0.0.1',
  clientPort: 1,
  kind: 'exec',
  width: 80,
  height: 24,
  shell: '/bin/sh',
});

function output(path: string): { text: string; last: unknown } {
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l));
  return {
    text: lines
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join(''),
    last: lines.at(-1),
  };
}

describe('asciicast writer', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps multi-byte characters split across chunks, between ASCII and control bytes', async () => {
    const w = new AsciicastWriter(dir, header('split'), { input: false, flushInterval: 1 });
    const text = 'plain "quoted" \\ back\n\u0000\u001b[1mé€😀 end\r\n';
    const bytes = Buffer.from(text);
    // Every split point, one byte at a time and in uneven pieces.
    for (let i = 0; i < bytes.length; i += 3) w.output(bytes.subarray(i, i + 3));
    await w.close({ code: 0, signal: null });
    const got = output(w.path);
    assert.equal(got.text, text);
    assert.deepEqual((got.last as unknown[]).slice(1), ['m', 'sshtrail:end exit=0']);
  });

  it('writes everything it was given once closed, and marks a signal end', async () => {
    const w = new AsciicastWriter(dir, header('many'), { input: false, flushInterval: 1 });
    let expected = '';
    for (let i = 0; i < 5000; i++) {
      const chunk = `line ${i} ${'x'.repeat(i % 300)}\n`;
      expected += chunk;
      w.output(Buffer.from(chunk), i % 2 === 0 ? 1 : 2);
    }
    await w.close({ code: null, signal: 'TERM' });
    const got = output(w.path);
    assert.equal(got.text, expected);
    assert.deepEqual((got.last as unknown[]).slice(1), ['m', 'sshtrail:end signal=TERM']);
  });
});

describe('JSON escaping of ASCII output', () => {
  it('matches JSON.stringify byte for byte, for text, control-heavy and repeating chunks', async () => {
    const { jsonStringAscii } = await import('../../core/recording/json-escape.js');
    const all = Buffer.from(Array.from({ length: 128 }, (_, i) => i));
    const samples = [
      Buffer.alloc(1000),
      all,
      Buffer.concat([Buffer.alloc(300), all, Buffer.from('text "q" \\ \n')]),
      Buffer.from('y\n'.repeat(500)),
      Buffer.from('ordinary output with "quotes" and \\ backslashes\r\n'),
      Buffer.alloc(0),
      // Periodic runs (escaped once per period and replicated), with a tail shorter than a period
      // and with a break in the pattern near the end.
      Buffer.from(`${'ab\x01'.repeat(1000)}a`),
      Buffer.from('\t\x1b[K'.repeat(700)),
      Buffer.concat([Buffer.alloc(5000), Buffer.from('x')]),
      Buffer.from(' '.repeat(255)),
      Buffer.from(`${'12345678'.repeat(100)}1234567`),
      Buffer.from('123456789'.repeat(100)),
    ];
    for (const b of samples) {
      assert.equal(jsonStringAscii(b).toString('latin1'), JSON.stringify(b.toString('latin1')));
    }
    // Lines encoded one after another into the shared slab stay intact (no slice is overwritten).
    const { LineEncoder } = await import('../../core/recording/json-escape.js');
    const enc = new LineEncoder();
    const lines = samples.map((b) => enc.line('[1, "o", ', b, ']\n'));
    for (let i = 0; i < 200; i++) lines.push(enc.line('[2, "o", ', Buffer.alloc(65536), ']\n'));
    lines.forEach((l, i) => {
      const b = i < samples.length ? (samples[i] as Buffer) : Buffer.alloc(65536);
      assert.deepEqual(JSON.parse(l.toString('latin1')).at(2), b.toString('latin1'));
    });
  });
});
