/**
 * The user-space half of enhanced recording, without the kernel: the record layout of
 * bpf/events.h, open flag names, address text, and the config fragment's schema.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { enhancedConfigProperties, enhancedDefaults } from '../../bpf/config-schema.js';
import { Decoder } from '../../bpf/decode.js';
import { ipv4String, ipv6String, openFlagNames } from '../../bpf/format.js';
import { decodeBatch, splitArgv } from '../../bpf/records.js';
import { buildDir } from '../../core/paths.js';
import { RecordingEmitter, session } from './helpers.js';

/**
 * Records written by the C side (bpf/layout/sample.c): filled in through the structs of
 * bpf/events.h and framed by the addon's batch code, so that these tests know no offset of their
 * own and a layout that records.ts reads wrong fails them. Each record is a kind and key=value
 * fields; see sample.c for the keys.
 */
const sampleWriter = join(buildDir(), 'sshtrail-bpf-sample');

function sample(...records: [kind: string, fields: Record<string, string | number | string[]>][]): Buffer {
  assert.ok(
    existsSync(sampleWriter),
    `${sampleWriter} missing: scripts/build.sh (make -C bpf layout) builds it`,
  );
  const args: string[] = [];
  for (const [kind, fields] of records) {
    if (args.length) args.push('--');
    args.push(kind);
    for (const [k, v] of Object.entries(fields)) {
      for (const one of Array.isArray(v) ? v : [v]) args.push(`${k}=${one}`);
    }
  }
  return execFileSync(sampleWriter, args, { maxBuffer: 64 * 1024 * 1024 });
}

/** A disk record; `dir` is the directory the kernel walked for a relative path. */
function diskRecord(cgroupId: number, path: string, flags: number, ret: number, dir = '') {
  const at = { pid: 4242, tid: 4243, cgroup: cgroupId, comm: 'cat', sec: 1_800_000_000, nsec: 123_456_789 };
  return ['disk', { ...at, path, flags, ret, dfd: -100, ...(dir ? { dir, dir_walk: 1 } : {}) }] as [
    string,
    Record<string, string | number>,
  ];
}

function commandRecord(cgroupId: number, path: string, argv: string[], truncated: boolean, exe = '') {
  const at = { pid: 4242, tid: 4243, cgroup: cgroupId, comm: 'ls', sec: 1_800_000_000, nsec: 123_456_789 };
  return [
    'command',
    {
      ...at,
      path,
      ppid: 1,
      ret: 0,
      arg: argv,
      args_truncated: truncated ? 1 : 0,
      ...(exe ? { exe, exe_walk: 1 } : {}),
    },
  ] as [string, Record<string, string | number | string[]>];
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
      sample(
        commandRecord(7, './ls', ['ls', '-la'], false, '/usr/bin/ls'),
        diskRecord(7, '/etc/hostname', 0o2000000, 3),
      ),
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

  test('every field of every kind reads back what the C side wrote through events.h', () => {
    // Values that fill their field's width (a u16 length past 255, an fd past 16 bits), so that a
    // field read at the wrong place or width shows.
    const longPath = `/srv/${'d'.repeat(300)}/file`;
    const hdr = {
      pid: 0x01020304,
      tid: 0x05060708,
      cgroup: 2 ** 40 + 7,
      sec: 1_800_000_001,
      nsec: 999_999_999,
    };
    // The fields named alike in events.h and in the decoded record, written and expected as one.
    const same = {
      command: {
        comm: 'fifteen-chars-x',
        ppid: 0x7fff0001,
        uid: 0x10002,
        gid: 0x20003,
        ret: -2,
        path: longPath,
      },
      disk: { comm: 'cat', ret: -13, dfd: 0x12345, flags: 0o2101102, path: 'rel/x', count: 0x10001 },
      network: {
        comm: 'curl',
        ret: -111,
        family: 10,
        sport: 0xfedc,
        dport: 0x1bb,
        saddr: '20010db8000000000000000000000001',
        daddr: 'fe800000000000000202b3fffe1e8329',
      },
    };
    const argv = ['a', '', 'b'.repeat(400)];
    const { records, malformed } = decodeBatch(
      sample(
        [
          'command',
          {
            ...hdr,
            ...same.command,
            exe: '/usr/bin/(deleted)',
            exe_walk: 3,
            args_truncated: 1,
            arg: argv,
            args_cut: 1,
          },
        ],
        [
          'disk',
          {
            ...hdr,
            ...same.disk,
            dir: longPath,
            dir_walk: 2,
            path_truncated: 1,
            last_sec: 1_800_000_009,
            last_nsec: 7,
          },
        ],
        ['network', { ...hdr, ...same.network }],
      ),
    );
    assert.equal(malformed, 0);
    const header = { pid: hdr.pid, tid: hdr.tid, cgroupId: hdr.cgroup, sec: hdr.sec, nsec: hdr.nsec };
    // Own properties only: what a consumer of the record sees, whatever records.ts builds it with.
    const [command, disk, network] = records.map((r) => ({ ...r }));
    assert.equal(network?.kind, 'network');
    const addr = (r: typeof network, which: 'saddr' | 'daddr') =>
      r?.kind === 'network' ? Buffer.from(r[which]).toString('hex') : '';
    assert.deepEqual(command, {
      kind: 'command',
      ...header,
      ...same.command,
      exe: { path: '/usr/bin/(deleted)', complete: true, deleted: true },
      argv,
      argvTruncated: true,
    });
    assert.deepEqual(disk, {
      kind: 'disk',
      ...header,
      ...same.disk,
      pathTruncated: true,
      dir: { path: longPath, complete: false, deleted: true },
      lastSec: 1_800_000_009,
      lastNsec: 7,
    });
    assert.deepEqual(
      { ...network, saddr: addr(network, 'saddr'), daddr: addr(network, 'daddr') },
      { kind: 'network', ...header, ...same.network },
    );
  });

  test('the decoder emits schema-valid events for known cgroups only, excluded prefixes counted', () => {
    const em = new RecordingEmitter();
    const d = new Decoder(em, ['/usr/lib/']);
    const s = session('unit');
    d.register(7n, s);
    d.handleBatch(
      sample(
        diskRecord(7, 'hostname', 0, 3, '/etc'),
        diskRecord(7, '../lib/x.so', 0o2000000, 3, '/usr/bin'),
        diskRecord(8, '/etc/passwd', 0, 3),
        commandRecord(7, '/usr/bin/ls', ['ls'], true),
      ),
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
