/**
 * A PTY session gets the client's terminal modes, as under sshd: the erase and interrupt
 * characters and the flags of the terminal the client runs in. The clients run inside a local
 * pseudo-terminal (util-linux `script`) set up with `stty` to differ from the server's PTY
 * defaults (erase ^?, intr ^C, -iutf8: node-pty's), and the remote `stty -a` must show the
 * client's. Before the fix every mode was lost in ssh2's parse (patches/README.md) and nothing
 * applied them to the PTY (core/launch/tty-modes.c).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { launcherPath } from '../../core/session/launch.js';
import { needs } from '../helpers/privileged.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

const hasPlink = spawnSync('plink', ['-V']).error === undefined;
const hasScript = spawnSync('script', ['--version']).error === undefined;

/** The local terminal the clients run in: none of these is the server PTY's default. */
const LOCAL_STTY = 'erase ^H intr ^G iutf8';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs argv in a fresh pseudo-terminal set up with `stty setup`; its output, CRs removed. */
function inLocalTerminal(setup: string, argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const cmd = `stty ${setup} && exec ${argv.map(shellQuote).join(' ')}`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    encoding: 'utf8',
    env,
    input: '',
    timeout: 60_000,
  });
  return { status: r.status, signal: r.signal, out: r.stdout.replace(/\r/g, ''), err: r.stderr };
}

/** Asserts that a remote `stty -a` shows the local terminal's LOCAL_STTY settings. */
function assertClientModes(sttyA: string): void {
  assert.match(sttyA, /\berase = \^H;/, sttyA);
  assert.match(sttyA, /\bintr = \^G;/, sttyA);
  assert.match(sttyA, /(^|\s)iutf8(\s|$)/m, sttyA);
}

describe('terminal modes of a pty-req', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('OpenSSH ssh -tt: the remote terminal has the client erase, intr and iutf8 setting', (t) => {
    if (!needs(t, hasScript, 'script (util-linux) is not installed')) return;
    const r = inLocalTerminal(LOCAL_STTY, ['ssh', ...srv.sshArgs({ tty: true }), 'stty -a']);
    assert.equal(r.signal, null, `ssh hung: ${r.out}`);
    assert.equal(r.status, 0, r.err + r.out);
    assertClientModes(r.out);
  });

  it('PuTTY plink -t: the remote terminal has the client erase, intr and iutf8 setting', (t) => {
    if (!needs(t, hasPlink, 'plink (Debian putty-tools) is not installed')) return;
    if (!needs(t, hasScript, 'script (util-linux) is not installed')) return;
    const home = join(srv.dir, 'putty-home');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const ppk = join(srv.dir, 'id_putty.ppk');
    execFileSync('puttygen', [srv.keyFile, '-O', 'private', '-o', ppk], { stdio: 'ignore' });
    // The host key as plink wants it pinned: its SHA256 fingerprint, taken from the server.
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(srv.port), '127.0.0.1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], {
      input: scanned,
      encoding: 'utf8',
    }).split(' ')[1];
    assert.ok(fingerprint?.startsWith('SHA256:'), `no host key fingerprint from: ${scanned}`);
    const r = inLocalTerminal(
      LOCAL_STTY,
      [
        'plink',
        '-batch',
        '-t',
        '-hostkey',
        String(fingerprint),
        '-i',
        ppk,
        '-P',
        String(srv.port),
        `${srv.login}@127.0.0.1`,
        'stty -a',
      ],
      { ...process.env, HOME: home },
    );
    assert.equal(r.signal, null, `plink hung: ${r.out}`);
    assert.equal(r.status, 0, r.err + r.out);
    assertClientModes(r.out);
  });

  it('crafted modes (unknown opcode, IUTF8, a string cut inside a pair) apply what parsed', async () => {
    // VERASE ^H, an opcode no RFC defines (19), IUTF8 on, then VINTR cut after two value bytes.
    const modes = Buffer.from([3, 0, 0, 0, 8, 19, 0, 0, 0, 1, 42, 0, 0, 0, 1, 1, 0, 0]);
    const out = await withSsh2Client(
      srv,
      (conn) =>
        new Promise<string>((resolve, reject) => {
          const pty = { term: 'xterm', cols: 80, rows: 24, modes: modes as unknown as ssh2.TerminalModes };
          conn.exec('stty -a', { pty }, (err, ch) => {
            if (err) return reject(err);
            let text = '';
            ch.on('data', (d: Buffer) => {
              text += d.toString('utf8');
            });
            ch.on('close', () => resolve(text.replace(/\r/g, '')));
          });
        }),
    );
    assert.match(out, /\berase = \^H;/, out);
    assert.match(out, /(^|\s)iutf8(\s|$)/m, out);
    // The cut VINTR was not applied: the PTY's own ^C stays.
    assert.match(out, /\bintr = \^C;/, out);
  });

  it('the launcher applies well-formed modes and ignores malformed ones, running the program', (t) => {
    if (!needs(t, hasScript, 'script (util-linux) is not installed')) return;
    const launch = (hex: string) =>
      inLocalTerminal('sane', [launcherPath(), '--tty-modes', hex, '--', 'stty', '-a']);
    const mode = (op: number, v: number) =>
      op.toString(16).padStart(2, '0') + v.toString(16).padStart(8, '0');
    const ok = launch(mode(3, 8) + mode(1, 7) + mode(19, 1) + mode(1, 0x100) + mode(0, 0) + mode(4, 1));
    assert.equal(ok.status, 0, ok.err + ok.out);
    assert.match(ok.out, /\berase = \^H;/, ok.out);
    // An unknown opcode is skipped, a character above 255 ignored, nothing after TTY_OP_END applied.
    assert.match(ok.out, /\bintr = \^G;/, ok.out);
    assert.match(ok.out, /\bkill = \^U;/, ok.out);
    for (const bad of [mode(3, 8).slice(1), `${mode(3, 8).slice(0, 9)}x`, mode(3, 8).repeat(129), '']) {
      const r = launch(bad);
      assert.equal(r.status, 0, `${bad}: ${r.err}${r.out}`);
      assert.match(r.out, /\berase = \^\?;/, `${bad}: ${r.out}`);
    }
  });
});
