/**
 * Input typed with echo off is not recorded (issue 13, "Secrets typed with echo off"): with
 * recording.input on, what a login types at `read -s` or after `stty -echo` is in the recording
 * as `sshtrail:hidden_input bytes=N` markers, never its bytes; what it types with echo on stays
 * in `i` events; recording.redact_hidden_input false keeps the secret. Real `ssh -tt` sessions,
 * typed into line by line once the prompt is shown.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

const SECRET1 = 'stty-secret-417';
const SECRET2 = 'read-s-secret-9Q';
const VISIBLE = 'plain-visible-input';

// Each prompt turns echo off before it is printed (bash's read -s: TCSETSW, then the prompt, as
// strace shows), so typing once it is seen types into the hidden state.
const SCRIPT = [
  'stty -echo; printf \'PROMPT1\\n\'; IFS= read -r a; stty echo; printf \'GOT1 %s\\n\' "$(printf %s "$a" | wc -c)"',
  'IFS= read -r -s -p \'PROMPT2:\' b; printf \'\\nGOT2 %s\\n\' "$(printf %s "$b" | wc -c)"',
  'printf \'PROMPT3\\n\'; IFS= read -r c; printf \'GOT3 %s\\n\' "$(printf %s "$c" | wc -c)"',
].join('; ');

/** Runs SCRIPT in a PTY, typing each answer once its prompt is out; returns the recording's path. */
async function typeSecrets(srv: TestServer): Promise<string> {
  const c = spawn('ssh', [...srv.sshArgs({ tty: true }), SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  c.stdin.on('error', () => {});
  const closed = new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)));
  const waitFor = async (s: string) => {
    while (!out.includes(s)) {
      if (c.exitCode !== null) throw new Error(`ssh ended before '${s}': ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor('PROMPT1');
  c.stdin.write(`${SECRET1}\n`);
  await waitFor('PROMPT2:');
  c.stdin.write(`${SECRET2}\n`);
  await waitFor('PROMPT3');
  c.stdin.write(`${VISIBLE}\n`);
  await waitFor('GOT3');
  c.stdin.end();
  assert.equal(await closed, 0, out);
  assert.match(out, new RegExp(`GOT1 ${SECRET1.length}\\b`));
  assert.match(out, new RegExp(`GOT2 ${SECRET2.length}\\b`));
  assert.match(out, new RegExp(`GOT3 ${VISIBLE.length}\\b`));
  const ev = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end' && x.exit_code === 0));
  const end = ev.find((x) => x.type === 'session.end' && x.exit_code === 0);
  return String(end?.recording);
}

function events(path: string): [number, string, string][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as [number, string, string]);
}

/** The hidden-input markers' byte counts, in order. */
const hiddenCounts = (ev: [number, string, string][]) =>
  ev
    .filter(([, code, d]) => code === 'm' && d.startsWith('sshtrail:hidden_input '))
    .map(([, , d]) => Number(/ bytes=(\d+)$/.exec(d)?.[1]));

describe('input typed with echo off', { timeout: 120_000 }, () => {
  it('is recorded as its length only (redact_hidden_input on by default)', async () => {
    const srv = await startServer({ config: { recording: { input: true } } });
    try {
      const path = await typeSecrets(srv);
      const text = readFileSync(path, 'utf8');
      assert.ok(!text.includes(SECRET1), 'the stty -echo secret is not in the recording');
      assert.ok(!text.includes(SECRET2), 'the read -s secret is not in the recording');
      const ev = events(path);
      // Every hidden byte is counted: the secret and its newline, whatever the chunking.
      const counts = hiddenCounts(ev);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        SECRET1.length + 1 + SECRET2.length + 1,
        JSON.stringify(counts),
      );
      // Typed with echo on: recorded as typed.
      const typed = ev
        .filter(([, code]) => code === 'i')
        .map(([, , d]) => d)
        .join('');
      assert.equal(typed, `${VISIBLE}\n`);
    } finally {
      await srv.stop();
    }
  });

  it('is recorded as typed with recording.redact_hidden_input false', async () => {
    const srv = await startServer({ config: { recording: { input: true, redact_hidden_input: false } } });
    try {
      const ev = events(await typeSecrets(srv));
      assert.deepEqual(hiddenCounts(ev), []);
      const typed = ev
        .filter(([, code]) => code === 'i')
        .map(([, , d]) => d)
        .join('');
      assert.equal(typed, `${SECRET1}\n${SECRET2}\n${VISIBLE}\n`);
    } finally {
      await srv.stop();
    }
  });
});
