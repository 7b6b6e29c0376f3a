/**
 * Hostile or broken SFTP streams through the real server (ssh2's client writes raw bytes into the
 * sftp subsystem channel): truncated packets, lengths past any real packet, lengths inside a
 * packet that point past its end, unknown types, handles nobody opened, a stream cut into single
 * bytes. The server never falls over: each stream either goes on (sftp-server answers the next
 * good request) or ends cleanly with a session.end, every event validates, and a new login works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type ssh2 from 'ssh2';
import { startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { withSsh2Client } from '../helpers/ssh2-client.js';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const str = (s: string | Buffer) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s)]);
const packet = (type: number, ...parts: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  return Buffer.concat([u32(body.length), body]);
};
const INIT = packet(1, u32(3));
const realpath = (id: number) => packet(16, u32(id), str('.'));
const FXP_NAME = 104;

/** An sftp channel that collects sftp-server's answers as packets (type, request id). */
class RawSftp {
  readonly answers: { type: number; id: number }[] = [];
  private buf = Buffer.alloc(0);
  ended = false;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly ch: ssh2.ClientChannel) {
    ch.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readUInt32BE(0)) {
        const len = this.buf.readUInt32BE(0);
        const type = this.buf[4] ?? 0;
        this.answers.push({ type, id: type === 2 || len < 5 ? -1 : this.buf.readUInt32BE(5) });
        this.buf = this.buf.subarray(4 + len);
      }
      this.wake();
    });
    ch.stderr.on('data', () => {});
    ch.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Until an answer to request `id` came (true) or the channel closed (false). */
  async answerTo(id: number): Promise<boolean> {
    for (;;) {
      if (this.answers.some((a) => a.id === id)) return true;
      if (this.ended) return false;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async closed(): Promise<void> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
  }
}

function openSftp(conn: ssh2.Client): Promise<RawSftp> {
  return new Promise((resolve, reject) =>
    conn.subsys('sftp', (err, ch) => (err ? reject(err) : resolve(new RawSftp(ch)))),
  );
}

describe('sftp robustness', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
  });

  /**
   * INIT, the bad bytes, a good request, then EOF: the channel must close by itself (sftp-server
   * ends at EOF or at what it cannot parse; the server passes that on). Whether the good request
   * was answered first (the stream went on) depends on sftp-server: both are clean.
   */
  const afterBadBytes = async (bad: Buffer[]) =>
    withSsh2Client(srv, async (conn) => {
      const s = await openSftp(conn);
      s.ch.write(INIT);
      for (const b of bad) s.ch.write(b);
      s.ch.write(realpath(4242));
      s.ch.end();
      await s.closed();
      const answer = s.answers.find((a) => a.id === 4242);
      if (answer) assert.equal(answer.type, FXP_NAME);
      return answer ? 'went on' : 'closed';
    });

  const serverStillServes = async () => {
    assert.equal(srv.process.exitCode, null, srv.logs());
    const r = await srv.ssh(['echo alive']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'alive\n');
  };

  const cases: [string, Buffer[]][] = [
    ['a packet cut short, then EOF', [u32(100), Buffer.from('short')]],
    ['a length past any SFTP packet', [u32(0xfffffff0), Buffer.alloc(64, 0x41)]],
    ['a zero length', [u32(0), Buffer.alloc(16, 0)]],
    [
      'an OPEN whose path length points past the packet',
      [packet(3, u32(7), u32(0x7fffffff), Buffer.from('abc'))],
    ],
    ['an OPEN without its flags and attributes', [packet(3, u32(8), str('/etc/hostname'))]],
    ['an unknown packet type with garbage', [packet(0xee, u32(9), Buffer.alloc(40, 0xff))]],
    [
      'READ, WRITE and CLOSE on handles nobody opened',
      [
        packet(5, u32(10), str('nope'), u32(0), u32(0), u32(1024)),
        packet(6, u32(11), str('\0\0\0\0'), u32(0), u32(0), str('data')),
        packet(4, u32(12), str('')),
      ],
    ],
    ['a second INIT inside the stream', [INIT, realpath(13)]],
    ['a one-byte packet with only its type', [u32(1), Buffer.from([17])]],
  ];
  for (const [name, bad] of cases) {
    it(`${name}: the stream goes on or ends cleanly`, async () => {
      const how = await afterBadBytes(bad);
      assert.ok(how === 'went on' || how === 'closed');
      await serverStillServes();
    });
  }

  it('a good session cut into single bytes is followed and audited', async () => {
    await withSsh2Client(srv, async (conn) => {
      const s = await openSftp(conn);
      const all = Buffer.concat([INIT, packet(13, u32(20), str('/tmp')), realpath(21)]);
      for (const byte of all) s.ch.write(Buffer.from([byte]));
      assert.ok(await s.answerTo(21));
      s.ch.end();
      await s.closed();
    });
    await serverStillServes();
  });

  it('every session ended with a session.end and all events validate', async () => {
    const ev = await srv.waitForEvents((e) => {
      const starts = e.filter((x) => x.type === 'session.start').length;
      return starts > 0 && e.filter((x) => x.type === 'session.end').length === starts;
    });
    assert.ok(
      ev.filter((x) => x.type === 'session.start' && x.kind === 'subsystem' && x.command === 'sftp').length >=
        cases.length,
    );
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
    assert.doesNotMatch(srv.logs(), /auditing of this stream stopped after an internal error/);
  });
});
