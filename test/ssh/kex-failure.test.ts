/**
 * Key exchanges that go wrong are logged with what the client said (ident, offered algorithms,
 * why) and the connection is closed, never left open until the login grace time. Raw sockets play
 * the client: one offers no cipher the server has, one sends its ident and then nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';

function nameList(names: string): Buffer {
  const b = Buffer.from(names, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An unencrypted binary packet (RFC 4253 6) around `payload`. */
function packet(payload: Buffer): Buffer {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const head = Buffer.alloc(5);
  head.writeUInt32BE(1 + payload.length + padding);
  head[4] = padding;
  return Buffer.concat([head, payload, Buffer.alloc(padding)]);
}

function kexinit(cipher: string, mac = 'hmac-sha2-256'): Buffer {
  const lists = ['curve25519-sha256', 'ssh-ed25519', cipher, cipher, mac, mac, 'none', 'none', '', ''].map(
    nameList,
  );
  return packet(Buffer.concat([Buffer.from([20]), randomBytes(16), ...lists, Buffer.alloc(5)]));
}

/** Connects, sends `data`, and collects what the server sends until it closes the connection. */
async function talk(srv: TestServer, data: Buffer): Promise<Buffer> {
  const sock: Socket = connect(srv.port, '127.0.0.1');
  const got: Buffer[] = [];
  sock.on('data', (d: Buffer) => got.push(d));
  await once(sock, 'connect');
  sock.write(data);
  await once(sock, 'close');
  return Buffer.concat(got);
}

/** The message types of the server's packets after its ident line (all unencrypted here). */
function packetTypes(stream: Buffer): number[] {
  let p = stream.indexOf('\n') + 1;
  const types: number[] = [];
  while (p + 5 < stream.length) {
    const len = stream.readUInt32BE(p);
    types.push(stream[p + 5] as number);
    p += 4 + len;
  }
  return types;
}

async function logLine(srv: TestServer, re: RegExp): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const line = srv
      .logs()
      .split('\n')
      .find((l) => re.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no log line matching ${re}; logs:\n${srv.logs()}`);
}

describe('failed and stalled key exchanges', () => {
  let srv: TestServer;
  before(async () => {
    // A grace time far beyond any test: closing must come from the key exchange's own limit.
    srv = await startServer({ config: { auth: { grace_time: 3600, kex_timeout: 3 } } });
  });
  after(async () => {
    await srv.stop();
  });

  it('a client with no common cipher is told so, logged with its offer, and disconnected', {
    timeout: 60_000,
  }, async () => {
    const reply = await talk(
      srv,
      Buffer.concat([Buffer.from('SSH-2.0-nocipher_test\r\n'), kexinit('3des-cbc')]),
    );
    assert.match(reply.toString('latin1'), /^SSH-2\.0-sshtrail\r\n/);
    // KEXINIT, then DISCONNECT.
    assert.deepEqual(packetTypes(reply), [20, 1]);
    const line = await logLine(srv, /key exchange failed.*nocipher_test/);
    assert.match(line, /reason="?Handshake failed: no matching C->S cipher/);
    assert.match(line, /client_ident=SSH-2\.0-nocipher_test/);
    assert.match(line, /client_ciphers=3des-cbc/);
    assert.match(line, /client_kex=curve25519-sha256/);
    assert.match(line, /client_macs=hmac-sha2-256/);
  });

  it('a client that sends its ident and then stalls is logged and disconnected before the grace time', {
    timeout: 60_000,
  }, async () => {
    await talk(srv, Buffer.from('SSH-2.0-stall_test\r\n'));
    const line = await logLine(srv, /key exchange timed out.*stall_test/);
    assert.match(line, /stage=kexinit/);
    assert.match(line, /timeout_s=3/);
    assert.doesNotMatch(srv.logs(), /login grace time over/);
  });

  it('a client that stalls mid key exchange (KEXINIT sent, no key-exchange init) is logged with its offer and disconnected', {
    timeout: 60_000,
  }, async () => {
    // An offer the server can use: the exchange starts, then the client says nothing more.
    const reply = await talk(
      srv,
      Buffer.concat([
        Buffer.from('SSH-2.0-midkex_test\r\n'),
        kexinit('aes128-ctr', 'hmac-sha2-256-etm@openssh.com'),
      ]),
    );
    // The server's KEXINIT only: no reply to a key-exchange init that never came.
    assert.deepEqual(packetTypes(reply), [20]);
    const line = await logLine(srv, /key exchange timed out.*midkex_test/);
    assert.match(line, /stage="?key exchange/);
    assert.match(line, /timeout_s=3/);
    assert.match(line, /client_ciphers=aes128-ctr/);
    assert.match(line, /client_kex=curve25519-sha256/);
    assert.doesNotMatch(srv.logs(), /login grace time over/);
  });

  it('a client that sends nothing at all is dropped the same way', { timeout: 60_000 }, async () => {
    await talk(srv, Buffer.alloc(0));
    await logLine(srv, /key exchange timed out.*stage=ident/);
  });
});
