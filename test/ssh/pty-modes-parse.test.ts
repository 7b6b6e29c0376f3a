/**
 * ssh2's parse of a pty-req's terminal modes (RFC 4254 section 8), on crafted byte strings. ssh2
 * 1.17 dropped every mode: its opcode table was keyed the wrong way round, it read the string
 * from its second byte, and one unknown opcode (IUTF8) threw the whole request's data away
 * (patched: patches/README.md). Fed straight to ssh2's inbound CHANNEL_REQUEST handler, the code
 * the server runs for every pty-req.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

interface PtyInfo {
  term: string;
  cols: number;
  rows: number;
  modes: Record<string, number>;
}
interface FakeProtocol {
  _handlers: {
    CHANNEL_REQUEST(
      self: FakeProtocol,
      recipient: number,
      type: string,
      wantReply: boolean,
      data: unknown,
    ): void;
  };
}
type InboundHandler = (self: FakeProtocol, payload: Buffer) => void;

const require = createRequire(import.meta.url);
const handlers = require('ssh2/lib/protocol/handlers.misc.js') as Record<number, InboundHandler>;
const SSH_MSG_CHANNEL_REQUEST = 98;

function sshString(b: Buffer | string): Buffer {
  const body = Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Encoded modes: [opcode, value] pairs, then whatever raw tail (an END byte, a cut pair). */
function modes(pairs: [number, number][], tail: number[] = [0]): Buffer {
  return Buffer.concat([
    ...pairs.map(([op, v]) => Buffer.concat([Buffer.from([op]), u32(v)])),
    Buffer.from(tail),
  ]);
}

/** What the server's pty-req handler receives for a request carrying `encodedModes`. */
function parsePtyReq(encodedModes: Buffer): PtyInfo | undefined {
  const payload = Buffer.concat([
    Buffer.from([SSH_MSG_CHANNEL_REQUEST]),
    u32(0),
    sshString('pty-req'),
    Buffer.from([1]),
    sshString('xterm'),
    u32(80),
    u32(24),
    u32(0),
    u32(0),
    sshString(encodedModes),
  ]);
  let got: unknown;
  let calls = 0;
  const self: FakeProtocol = {
    _handlers: {
      CHANNEL_REQUEST(_self, _recipient, type, _wantReply, data) {
        assert.equal(type, 'pty-req');
        calls++;
        got = data;
      },
    },
  };
  const handler = handlers[SSH_MSG_CHANNEL_REQUEST];
  assert.ok(handler, 'ssh2 has a CHANNEL_REQUEST handler');
  handler(self, payload);
  assert.equal(calls, 1);
  return got as PtyInfo | undefined;
}

describe('pty-req terminal modes (ssh2 parse)', () => {
  it('reads every pair from the first byte to TTY_OP_END, IUTF8 included', () => {
    // What OpenSSH sends first: VINTR ^C, VERASE ^?, then flags and speeds.
    const info = parsePtyReq(
      modes([
        [1, 3],
        [3, 0x7f],
        [36, 1],
        [42, 1],
        [53, 1],
        [91, 1],
        [128, 38400],
        [129, 38400],
      ]),
    );
    assert.deepEqual(info?.modes, {
      VINTR: 3,
      VERASE: 0x7f,
      ICRNL: 1,
      IUTF8: 1,
      ECHO: 1,
      CS8: 1,
      TTY_OP_ISPEED: 38400,
      TTY_OP_OSPEED: 38400,
    });
    assert.equal(info?.term, 'xterm');
    assert.equal(info?.cols, 80);
  });

  it('skips an unknown opcode below 160 and keeps the modes after it', () => {
    const info = parsePtyReq(
      modes([
        [3, 8],
        [19, 1],
        [100, 7],
        [1, 7],
      ]),
    );
    assert.deepEqual(info?.modes, { VERASE: 8, VINTR: 7 });
  });

  it('stops at an undefined opcode (160-255), keeping what came before', () => {
    const info = parsePtyReq(
      modes([
        [3, 8],
        [200, 1],
        [1, 7],
      ]),
    );
    assert.deepEqual(info?.modes, { VERASE: 8 });
  });

  it('keeps what parsed when the string is cut inside a pair, and does not throw', () => {
    const info = parsePtyReq(modes([[3, 8]], [1, 0, 0]));
    assert.deepEqual(info?.modes, { VERASE: 8 });
    // Cut right after an opcode, and with no TTY_OP_END at all.
    assert.deepEqual(parsePtyReq(modes([[42, 0]], [53]))?.modes, { IUTF8: 0 });
    assert.deepEqual(parsePtyReq(modes([[53, 0]], []))?.modes, { ECHO: 0 });
    // No modes at all.
    assert.deepEqual(parsePtyReq(Buffer.alloc(0))?.modes, {});
    assert.deepEqual(parsePtyReq(Buffer.from([0]))?.modes, {});
    assert.equal(parsePtyReq(Buffer.from([0]))?.rows, 24);
  });
});
