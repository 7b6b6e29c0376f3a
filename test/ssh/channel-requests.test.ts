/**
 * RFC 4254 5.4: a channel request with want-reply gets SSH_MSG_CHANNEL_SUCCESS or FAILURE,
 * whatever the session's state. ssh2 1.17 sent nothing once the session had started (a second
 * exec, an env or pty-req, an agent or x11 request, an unknown subsystem) or once the client had
 * sent EOF, so a client waiting for the answer hung (patched: patches/README.md). Crafted through
 * ssh2's client protocol layer, which can send any request with want-reply set.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { startServer, type TestServer } from '../helpers/server.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

interface RawChannel {
  outgoing: { id: number };
  _callbacks: ((failed: boolean) => void)[];
}
interface RawProtocol {
  env(chan: number, key: string, val: string, wantReply: boolean): void;
  pty(
    chan: number,
    rows: number,
    cols: number,
    h: number,
    w: number,
    term: string,
    modes: null,
    wantReply: boolean,
  ): void;
  exec(chan: number, cmd: string, wantReply: boolean): void;
  shell(chan: number, wantReply: boolean): void;
  subsystem(chan: number, name: string, wantReply: boolean): void;
  openssh_agentForward(chan: number, wantReply: boolean): void;
  x11Forward(
    chan: number,
    cfg: { single: boolean; protocol: string; cookie: string; screen: number },
    wantReply: boolean,
  ): void;
}

/** Sends one request with want-reply and resolves with the answer ('success' | 'failure'). */
function request(conn: ssh2.Client, ch: ssh2.ClientChannel, send: (p: RawProtocol, id: number) => void) {
  const raw = ch as unknown as RawChannel;
  return new Promise<'success' | 'failure'>((resolve, reject) => {
    // Not a speed assertion: without a reply the request would wait for ever.
    const t = setTimeout(() => reject(new Error('no reply to a want-reply request')), 10_000);
    raw._callbacks.push((failed) => {
      clearTimeout(t);
      resolve(failed ? 'failure' : 'success');
    });
    send((conn as unknown as { _protocol: RawProtocol })._protocol, raw.outgoing.id);
  });
}

function execChannel(conn: ssh2.Client, command: string): Promise<ssh2.ClientChannel> {
  return new Promise((resolve, reject) => conn.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
}

describe('channel requests with want-reply are always answered', { timeout: 120_000 }, () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.stop());

  it('after the session started, every request gets an answer', async () => {
    await withSsh2Client(srv, async (conn) => {
      const ch = await execChannel(conn, 'sleep 30');
      ch.resume();
      ch.stderr.resume();
      // A second start of the same channel is refused, not ignored.
      assert.equal(await request(conn, ch, (p, id) => p.exec(id, 'id', true)), 'failure');
      assert.equal(await request(conn, ch, (p, id) => p.shell(id, true)), 'failure');
      assert.equal(await request(conn, ch, (p, id) => p.subsystem(id, 'no-such-subsystem', true)), 'failure');
      // Requests that only make sense before the start: answered (refused) all the same.
      assert.ok(
        ['success', 'failure'].includes(await request(conn, ch, (p, id) => p.env(id, 'LANG', 'C', true))),
      );
      assert.ok(
        ['success', 'failure'].includes(
          await request(conn, ch, (p, id) => p.pty(id, 24, 80, 0, 0, 'xterm', null, true)),
        ),
      );
      assert.equal(await request(conn, ch, (p, id) => p.openssh_agentForward(id, true)), 'failure');
      assert.equal(
        await request(conn, ch, (p, id) =>
          p.x11Forward(id, { single: false, protocol: 'MIT-MAGIC-COOKIE-1', cookie: '00', screen: 0 }, true),
        ),
        'failure',
      );
      // After the client's EOF the channel is still open: requests are still answered.
      ch.end();
      assert.ok(
        ['success', 'failure'].includes(await request(conn, ch, (p, id) => p.env(id, 'LANG', 'C', true))),
      );
      ch.close();
    });
    // And the server goes on serving.
    const r = await srv.ssh(['echo', 'still-serving']);
    assert.equal(r.stdout.toString().trim(), 'still-serving');
  });

  it('before the start: an unknown subsystem is refused with an answer', async () => {
    await withSsh2Client(srv, async (conn) => {
      const err = await new Promise<Error | undefined>((resolve) =>
        conn.subsys('no-such-subsystem', (e) => resolve(e)),
      );
      assert.ok(err, 'the subsystem request is refused');
      assert.match(err.message, /subsystem/i);
    });
  });
});
