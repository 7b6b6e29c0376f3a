import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

describe('exec sessions', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  it('prints the output and returns the exit code', async () => {
    const r = await srv.ssh(['echo hi; exit 3']);
    assert.equal(r.stdout.toString(), 'hi\n');
    assert.equal(r.code, 3);
  });

  it('keeps stderr separate from stdout', async () => {
    const r = await srv.ssh(['echo out; echo err >&2']);
    assert.equal(r.stdout.toString(), 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 0);
  });

  it('pipes stdin to the command and delivers EOF', async () => {
    const r = await srv.ssh(['cat; echo done'], { input: 'x\ny\n' });
    assert.equal(r.stdout.toString(), 'x\ny\ndone\n');
    assert.equal(r.code, 0);
  });

  it('reports a command killed by a signal with exit-signal', async () => {
    const r = await srv.ssh(['kill -TERM $$']);
    // OpenSSH's client exits 255 on exit-signal and names the signal only with -v; the event says it.
    assert.equal(r.code, 255);
    const events = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.end' && x.signal === 'TERM'),
    );
    assert.ok(events.some((x) => x.type === 'session.end' && x.signal === 'TERM'));
  });

  it('delivers a signal request to the command', async () => {
    // The OpenSSH client cannot send `signal` requests; ssh2's client can.
    const result = await withSsh2Client(
      srv,
      (conn) =>
        new Promise<{ code?: number; signal?: string }>((resolve, reject) => {
          conn.exec('echo ready; sleep 30', { env: { SHLVL: '1' } }, (err, ch) => {
            if (err) return reject(err);
            ch.on('data', (d: Buffer) => {
              if (d.toString().includes('ready')) ch.signal('INT');
            });
            ch.on('exit', (code: number | null, signal?: string) =>
              resolve(code !== null ? { code } : { signal: signal as string }),
            );
          });
        }),
    );
    // bash -c "echo; sleep" execs nothing here; either bash or sleep dies of SIGINT.
    assert.ok(result.signal === 'SIGINT' || result.code === 130, JSON.stringify(result));
  });

  it('sets the session environment and refuses LD_* from the client', async () => {
    const r = await srv.ssh(['env'], { env: { LANG: 'C.UTF-8', LD_PRELOAD: '/tmp/x.so', LC_TIME: 'C' } });
    const env = Object.fromEntries(
      r.stdout
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    assert.equal(env.USER, srv.login);
    assert.equal(env.LOGNAME, srv.login);
    assert.ok(env.HOME);
    assert.ok(env.SHELL);
    assert.ok(env.PATH);
    assert.match(env.SSH_CONNECTION ?? '', new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${srv.port}$`));
    assert.match(env.SSH_CLIENT ?? '', new RegExp(`^127\\.0\\.0\\.1 \\d+ ${srv.port}$`));
    assert.equal(env.LANG, 'C.UTF-8');
    assert.equal(env.LC_TIME, 'C');
    assert.equal(env.LD_PRELOAD, undefined);
    assert.equal(env.SSH_TTY, undefined);
  });

  it('runs several channels on one connection', async () => {
    const outs = await withSsh2Client(srv, (conn) => {
      const run = (n: number) =>
        new Promise<string>((res, rej) =>
          conn.exec(`echo channel ${n}`, { env: { SHLVL: '1' } }, (err, ch) => {
            if (err) return rej(err);
            let s = '';
            ch.on('data', (d: Buffer) => {
              s += d.toString();
            }).on('close', () => res(s));
          }),
        );
      return Promise.all([run(1), run(2), run(3)]);
    });
    assert.deepEqual(outs, ['channel 1\n', 'channel 2\n', 'channel 3\n']);
  });

  it('emits session.start and session.end with the command, exit code and byte counts', async () => {
    await srv.ssh(['printf abc; exit 7'], { input: '12345' });
    const events = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.end' && x.exit_code === 7),
    );
    const end = events.find((x) => x.type === 'session.end' && x.exit_code === 7);
    assert.ok(end);
    const start = events.find((x) => x.type === 'session.start' && x.session_id === end.session_id);
    assert.equal(start?.command, 'printf abc; exit 7');
    assert.equal(start?.kind, 'exec');
    assert.equal(start?.pty, false);
    assert.equal(end.bytes_out, 3);
    assert.equal(end.bytes_in, 5);
    assert.equal(typeof end.duration_ms, 'number');
    assert.match(String(end.recording), /\.raw$/);
    assert.equal(end.recording_format, 'raw');
  });
});
