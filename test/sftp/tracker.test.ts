/**
 * SftpTracker against the real thing: OpenSSH's sftp client talking to OpenSSH's sftp-server
 * through a tap (tap.ts), so every packet is one a real client and server exchanged. Then what a
 * hostile peer may send: garbage, truncated and mutated packets never throw.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type FileRecord, type SftpRecord, SftpTracker } from '../../core/sftp/tracker.js';
import { needs } from '../helpers/privileged.js';

const sftpServer = '/usr/lib/openssh/sftp-server';
const tap = join(dirname(fileURLToPath(import.meta.url)), 'tap.js');
const haveTools = existsSync(sftpServer) && spawnSync('sftp', ['-V']).status !== null;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('SftpTracker with OpenSSH sftp and sftp-server', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sshtrail-sftp-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs an sftp batch through the tap; returns the records. */
  function batch(lines: string[]): SftpRecord[] {
    const batchFile = join(dir, 'batch');
    const out = join(dir, 'records.ndjson');
    rmSync(out, { force: true });
    writeFileSync(batchFile, `${lines.join('\n')}\n`);
    execFileSync('sftp', ['-b', batchFile, '-D', `${process.execPath} ${tap}`], {
      cwd: dir,
      env: { ...process.env, SFTP_TAP_OUT: out, SFTP_SERVER: sftpServer },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as SftpRecord);
  }

  it('an upload and a download: one record each, with bytes and the content hash', (t) => {
    if (!needs(t, haveTools, 'needs openssh-client (sftp) and openssh-sftp-server')) return;
    const content = randomBytes(3 * 1024 * 1024 + 17); // many packets, a partial last one
    writeFileSync(join(dir, 'local.bin'), content);
    const records = batch([`put local.bin ${dir}/remote.bin`, `get ${dir}/remote.bin back.bin`]);
    assert.deepEqual(readFileSync(join(dir, 'back.bin')), content);
    const files = records.filter((r): r is FileRecord => r.action === 'file');
    const up = files.find((r) => r.bytes_written > 0);
    const down = files.find((r) => r.bytes_read > 0);
    assert.ok(up && down, JSON.stringify(records));
    assert.equal(up.path, `${dir}/remote.bin`);
    assert.ok(up.flags.includes('write') && up.flags.includes('create'), up.flags.join());
    assert.equal(up.bytes_written, content.length);
    assert.equal(up.sequential, true);
    assert.equal(up.sha256, sha256(content));
    assert.equal(up.result, 'ok');
    assert.deepEqual(down.flags, ['read']);
    assert.equal(down.bytes_read, content.length);
    assert.equal(down.sha256, sha256(content));
    assert.equal(down.result, 'ok');
  });

  it('namespace changes are reported with their paths and results', (t) => {
    if (!needs(t, haveTools, 'needs openssh-client (sftp) and openssh-sftp-server')) return;
    writeFileSync(join(dir, 'a.txt'), 'hello\n');
    const records = batch([
      `mkdir ${dir}/sub`,
      `put a.txt ${dir}/sub/a.txt`,
      `chmod 640 ${dir}/sub/a.txt`,
      `rename ${dir}/sub/a.txt ${dir}/sub/b.txt`,
      `symlink ${dir}/sub/b.txt ${dir}/sub/link`,
      `rm ${dir}/sub/link`,
      `rm ${dir}/sub/b.txt`,
      `rmdir ${dir}/sub`,
      `-rm ${dir}/missing`,
    ]);
    const ns = records.filter((r) => r.action !== 'file');
    const find = (action: string, path: string) => ns.find((r) => r.action === action && r.path === path);
    assert.equal(find('mkdir', `${dir}/sub`)?.result, 'ok');
    const chmod = find('setstat', `${dir}/sub/a.txt`);
    assert.equal(chmod?.result, 'ok');
    assert.equal(chmod && 'attrs' in chmod ? chmod.attrs?.permissions : undefined, 0o640);
    const rename = find('rename', `${dir}/sub/a.txt`);
    assert.equal(rename?.result, 'ok');
    assert.equal(rename && 'target' in rename ? rename.target : undefined, `${dir}/sub/b.txt`);
    const link = find('symlink', `${dir}/sub/link`);
    assert.equal(link?.result, 'ok');
    assert.equal(link && 'target' in link ? link.target : undefined, `${dir}/sub/b.txt`);
    assert.equal(find('remove', `${dir}/sub/b.txt`)?.result, 'ok');
    assert.equal(find('rmdir', `${dir}/sub`)?.result, 'ok');
    assert.equal(find('remove', `${dir}/missing`)?.result, 'no_such_file');
    assert.equal(existsSync(join(dir, 'sub')), false);
  });

  it('a failed open is reported with its reason', (t) => {
    if (!needs(t, haveTools, 'needs openssh-client (sftp) and openssh-sftp-server')) return;
    writeFileSync(join(dir, 'a.txt'), 'hello\n');
    const records = batch([`-put a.txt ${dir}/no-such-dir/a.txt`]);
    const open = records.find((r): r is FileRecord => r.action === 'file');
    assert.equal(open?.path, `${dir}/no-such-dir/a.txt`, JSON.stringify(records));
    assert.equal(open?.result, 'no_such_file');
    assert.equal(open?.bytes_written, 0);
  });
});

/** One SFTP packet: length, type, body. */
function packet(type: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const str = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([u32(b.length), b]);
};

describe('SftpTracker against hostile input', () => {
  it('random bytes in either direction never throw', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.boolean(),
        (chunks, side) => {
          const tr = new SftpTracker(() => {});
          for (const c of chunks) (side ? tr.client : tr.server).call(tr, Buffer.from(c));
          tr.end();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('truncated and mutated real packets never throw, and framing survives a bad packet', () => {
    const open = packet(3, u32(1), str('/etc/passwd'), u32(1), u32(0));
    const handle = packet(102, u32(1), str('h1'));
    const close = packet(4, u32(2), str('h1'));
    const ok = packet(101, u32(2), u32(0), str(''), str(''));
    fc.assert(
      fc.property(fc.nat(open.length), fc.nat(255), fc.nat(open.length - 1), (cut, byte, at) => {
        const tr = new SftpTracker(() => {});
        const mutated = Buffer.from(open);
        mutated[at] = byte;
        tr.client(mutated.subarray(0, cut));
        tr.client(Buffer.from([0, 0, 0, 1, 3])); // a packet too short for its type
        tr.end();
      }),
      { numRuns: 500 },
    );
    // A packet whose body is too short for its type is skipped; the next one is still read.
    const records: SftpRecord[] = [];
    const tr = new SftpTracker((r) => records.push(r));
    tr.client(Buffer.concat([packet(3, u32(9)), open]));
    tr.server(handle);
    tr.client(close);
    tr.server(ok);
    assert.deepEqual(records, [
      {
        action: 'file',
        path: '/etc/passwd',
        flags: ['read'],
        bytes_read: 0,
        bytes_written: 0,
        sequential: true,
        sha256: sha256(Buffer.alloc(0)),
        result: 'ok',
      },
    ]);
  });

  it('an impossible length stops following the stream, once, without buffering it', () => {
    const tr = new SftpTracker(() => {});
    tr.client(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    tr.client(randomBytes(1 << 20));
    assert.match(tr.stats.stopped ?? '', /client: packet length 4294967295/);
  });

  it('a handle still open when the stream ends is reported as not closed', () => {
    const records: SftpRecord[] = [];
    const tr = new SftpTracker((r) => records.push(r));
    tr.client(packet(3, u32(7), str('/tmp/x'), u32(0x1a), u32(0)));
    tr.server(packet(102, u32(7), str('hh')));
    tr.client(packet(6, u32(8), str('hh'), Buffer.alloc(8), str('abc')));
    tr.server(packet(101, u32(8), u32(0), str(''), str('')));
    tr.end();
    assert.equal(records.length, 1);
    const r = records[0] as FileRecord;
    assert.equal(r.result, 'not_closed');
    assert.equal(r.bytes_written, 3);
    assert.equal(r.sha256, sha256(Buffer.from('abc')));
    assert.deepEqual(r.flags, ['write', 'create', 'truncate']);
  });
});
