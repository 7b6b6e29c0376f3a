/**
 * The user-space half of enhanced recording, without the kernel: the record layout of
 * bpf/events.h, open flag names, address text, and the config fragment's schema.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { enhancedConfigProperties, enhancedDefaults } from '../../bpf/config-schema.js';
import { Decoder } from '../../bpf/decode.js';
import { ipv4String, ipv6String, openFlagNames } from '../../bpf/format.js';
import { decodeBatch, splitArgv } from '../../bpf/records.js';
import { RecordingEmitter, session } from './helpers.js';

/** One record framed as the addon frames it: [u32 size][record][pad to 8]. */
function frame(rec: Buffer): Buffer {
  const out = Buffer.alloc((4 + rec.length + 7) & ~7);
  out.writeUInt32LE(rec.length, 0);
  rec.copy(out, 4);
  return out;
}

function header(kind: number, size: number, cgroupId: number, comm: string): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32LE(kind, 0);
  b.writeUInt32LE(4242, 4);
  b.writeUInt32LE(4243, 8);
  b.writeBigUInt64LE(BigInt(cgroupId), 16);
  // The time as the addon leaves it: Unix seconds, nanoseconds.
  b.writeUInt32LE(1_800_000_000, 24);
  b.writeUInt32LE(123_456_789, 28);
  b.write(comm, 32);
  return b;
}

/** A disk record; `dir` is the directory the kernel walked for a relative path. */
function diskRecord(cgroupId: number, path: string, flags: number, ret: number, dir = ''): Buffer {
  const p = Buffer.from(`${path}\0`);
  const d = dir ? Buffer.from(`${dir}\0`) : Buffer.alloc(0);
  const b = header(1, 80 + p.length + d.length, cgroupId, 'cat');
  b.writeInt32LE(ret, 48);
  b.writeInt32LE(-100, 52);
  b.writeUInt32LE(flags, 56);
  b.writeUInt16LE(p.length, 60);
  b.writeUInt16LE(d.length, 62);
  b[65] = dir ? 1 : 0;
  p.copy(b, 80);
  d.copy(b, 80 + p.length);
  return b;
}

function commandRecord(cgroupId: number, path: string, argv: Buffer, truncated: boolean, exe = ''): Buffer {
  const p = Buffer.from(`${path}\0`);
  const e = exe ? Buffer.from(`${exe}\0`) : Buffer.alloc(0);
  const b = header(0, 80 + p.length + e.length + argv.length, cgroupId, 'ls');
  b.writeUInt32LE(1, 48);
  b.writeInt32LE(0, 60);
  b.writeUInt16LE(p.length, 64);
  b.writeUInt16LE(e.length, 66);
  b.writeUInt16LE(argv.length, 68);
  b[70] = truncated ? 1 : 0;
  b[72] = exe ? 1 : 0;
  p.copy(b, 80);
  e.copy(b, 80 + p.length);
  argv.copy(b, 80 + p.length + e.length);
  return b;
}

describe('record decoding', () => {
  test('argv splits on NUL, keeps empty arguments, and keeps a cut last argument', () => {
    const raw = Buffer.from('ls\0-la\0\0/tmp\0');
    assert.deepEqual(splitArgv(raw, 0, raw.length), ['ls', '-la', '', '/tmp']);
    const cut = Buffer.from('echo\0abc');
    assert.deepEqual(splitArgv(cut, 0, cut.length), ['echo', 'abc']);
  });

  test('a batch of records decodes in order; a malformed tail is counted, not guessed', () => {
    const batch = Buffer.concat([
      frame(commandRecord(7, './ls', Buffer.from('ls\0-la\0'), false, '/usr/bin/ls')),
      frame(diskRecord(7, '/etc/hostname', 0o2000000, 3)),
      Buffer.from([200, 0, 0, 0, 1, 2]),
    ]);
    const { records, malformed } = decodeBatch(batch);
    assert.equal(malformed, 1);
    assert.equal(records.length, 2);
    const [cmd, disk] = records;
    assert.equal(cmd?.kind, 'command');
    if (cmd?.kind === 'command') {
      assert.deepEqual(cmd.argv, ['ls', '-la']);
      assert.equal(cmd.path, './ls');
      assert.deepEqual(cmd.exe, { path: '/usr/bin/ls', complete: true, deleted: false });
      assert.deepEqual([cmd.sec, cmd.nsec], [1_800_000_000, 123_456_789]);
      assert.equal(cmd.comm, 'ls');
      assert.equal(cmd.cgroupId, 7);
    }
    assert.equal(disk?.kind, 'disk');
    if (disk?.kind === 'disk') assert.equal(disk.path, '/etc/hostname');
  });

  test('the decoder emits schema-valid events for known cgroups only, excluded prefixes counted', () => {
    const em = new RecordingEmitter();
    const d = new Decoder(em, ['/usr/lib/']);
    const s = session('unit');
    d.register(7n, s);
    d.handleBatch(
      Buffer.concat([
        frame(diskRecord(7, 'hostname', 0, 3, '/etc')),
        frame(diskRecord(7, '../lib/x.so', 0o2000000, 3, '/usr/bin')),
        frame(diskRecord(8, '/etc/passwd', 0, 3)),
        frame(commandRecord(7, '/usr/bin/ls', Buffer.from('ls\0'), true)),
      ]),
    );
    assert.deepEqual(
      em.events.map((e) => [e.type, e.context?.session_id]),
      [
        ['session.disk', s.session_id],
        ['session.command', s.session_id],
      ],
    );
    assert.equal(d.stats.excluded, 1);
    assert.equal(d.stats.unattributed, 1);
    assert.equal(em.events[0]?.fields.path, '/etc/hostname');
    assert.equal(em.events[1]?.fields.argv_truncated, true);
    assert.deepEqual(em.invalid, []);
  });
});

describe('formatting', () => {
  test('open flags are named, access mode first', () => {
    assert.deepEqual(openFlagNames(0), ['O_RDONLY']);
    assert.deepEqual(openFlagNames(0o2000000), ['O_RDONLY', 'O_CLOEXEC']);
    assert.deepEqual(openFlagNames(0o1101), ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
    assert.deepEqual(openFlagNames(0o2 | 0o2000 | 0o4010000), ['O_RDWR', 'O_APPEND', 'O_SYNC']);
    assert.deepEqual(openFlagNames(0o20200000 | 2), ['O_RDWR', 'O_TMPFILE']);
    assert.deepEqual(openFlagNames(0o200000 | 0o400000), ['O_RDONLY', 'O_DIRECTORY', 'O_NOFOLLOW']);
  });

  test('addresses are written as RFC 5952 text', () => {
    const v6 = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
    assert.equal(ipv4String(Uint8Array.from([127, 0, 0, 1])), '127.0.0.1');
    assert.equal(ipv6String(v6('00000000000000000000000000000001')), '::1');
    assert.equal(ipv6String(v6('00000000000000000000000000000000')), '::');
    assert.equal(ipv6String(v6('20010db8000000000001000000000001')), '2001:db8::1:0:0:1');
    assert.equal(ipv6String(v6('20010db8000100000000000000000000')), '2001:db8:1::');
    assert.equal(ipv6String(v6('00000000000000000000ffff7f000001')), '::ffff:127.0.0.1');
    assert.equal(ipv6String(v6('fe800000000000000202b3fffe1e8329')), 'fe80::202:b3ff:fe1e:8329');
  });
});

describe('enhanced_recording config fragment', () => {
  const ajv = new Ajv2020({ strict: false, useDefaults: true });
  const validate = ajv.compile(enhancedConfigProperties.enhanced_recording as object);

  test('an empty section gets the documented defaults', () => {
    const cfg: Record<string, unknown> = {};
    assert.ok(validate(cfg));
    assert.equal(cfg.enabled, 'auto');
    assert.deepEqual(cfg.events, ['command', 'network']);
    assert.equal(cfg.cgroup_root, enhancedDefaults.cgroup_root);
    assert.equal(cfg.ring_buffer_bytes, 4 * 1024 * 1024);
  });

  test('unknown keys, unknown events, bad ring sizes and escaping roots are rejected', () => {
    assert.equal(validate({ enable: true }), false);
    assert.equal(validate({ events: ['command', 'files'] }), false);
    assert.equal(validate({ ring_buffer_bytes: 3_000_000 }), false);
    assert.equal(validate({ cgroup_root: '../escape' }), false);
    assert.equal(validate({ cgroup_root: 'a/../b' }), false);
    assert.ok(validate({ cgroup_root: 'system.slice/sshtrail', events: ['disk'], enabled: true }));
  });
});
