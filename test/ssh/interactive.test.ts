import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as pty from 'node-pty';
import { startServer, type TestServer } from '../helpers/server.js';

/** Output seen so far on a PTY, and a way to wait for some of it. */
function watch(term: pty.IPty) {
  let seen = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  term.onData((d) => {
    seen += d;
    for (const w of [...waiters]) {
      if (w.re.test(seen)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  return {
    text: () => seen,
    waitFor(re: RegExp, ms = 20_000): Promise<void> {
      if (re.test(seen)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re}; saw:\n${seen}`)), ms);
        waiters.push({
          re,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
      });
    },
  };
}

describe('interactive sessions', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('runs a login shell in a PTY that follows resizes, and records what was shown', async () => {
    const term = pty.spawn('ssh', srv.sshArgs({ tty: true }), {
      name: 'xterm-256color',
      cols: 100,
      rows: 30,
    });
    const out = watch(term);
    const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
    term.write('echo "shell:$0 tty:$SSH_TTY term:$TERM"; echo size-$(stty size | tr " " x)\r');
    await out.waitFor(/shell:-\S+ tty:\/dev\/pts\/\d+ term:xterm-256color/);
    await out.waitFor(/size-30x100/);
    term.resize(120, 40);
    // The window-change travels to the server; ask until the shell sees it.
    for (let i = 0; i < 50 && !/size-40x120/.test(out.text()); i++) {
      term.write('echo size-$(stty size | tr " " x)\r');
      await new Promise((r) => setTimeout(r, 100));
    }
    await out.waitFor(/size-40x120/);
    term.write('echo the-answer-$((6*7)); exit 4\r');
    assert.equal(await exited, 4);
    assert.match(out.text(), /the-answer-42/);

    const events = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.end' && x.exit_code === 4),
    );
    const end = events.find((x) => x.type === 'session.end' && x.exit_code === 4);
    const start = events.find((x) => x.type === 'session.start' && x.session_id === end?.session_id);
    assert.equal(start?.kind, 'shell');
    assert.equal(start?.pty, true);
    assert.equal(start?.term, 'xterm-256color');
    assert.equal(start?.width, 100);
    assert.equal(start?.height, 30);

    const lines = readFileSync(String(end?.recording), 'utf8').split('\n').filter(Boolean);
    const header = JSON.parse(lines[0] as string);
    assert.equal(header.version, 2);
    assert.equal(header.width, 100);
    assert.equal(header.height, 30);
    assert.equal(header.env.TERM, 'xterm-256color');
    assert.equal(header.sshtrail.session_id, end?.session_id);
    assert.equal(header.sshtrail.login, srv.login);
    assert.equal(header.sshtrail.client_addr, '127.0.0.1');
    const events2 = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    const shown = events2
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    assert.match(shown, /the-answer-42/);
    assert.ok(events2.some((e) => e[1] === 'r' && e[2] === '120x40'));
    // Input is not recorded by default.
    assert.ok(!events2.some((e) => e[1] === 'i'));
    assert.deepEqual(events2.at(-1)?.slice(1), ['m', 'sshtrail:end exit=4']);
  });

  it('gives a PTY requested as 0x0 the size 80x24', async () => {
    // `ssh -tt` with no local terminal sends a 0x0 pty-req.
    const r = await srv.ssh(['stty size'], { tty: true });
    assert.equal(r.stdout.toString().trim(), '24 80');
  });
});
