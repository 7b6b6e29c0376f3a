import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DirectAppender } from '../../core/recording/direct-file.js';

const dir = mkdtempSync(join(tmpdir(), 'sshtrail-direct-'));

/** Opens the pair of descriptors the writer uses; `direct` false: the same logic without O_DIRECT. */
function open(name: string, direct: boolean): { path: string; dfd: number; bfd: number } | undefined {
  const path = join(dir, name);
  const bfd = openSync(path, 'wx', 0o600);
  try {
    const dfd = openSync(path, constants.O_WRONLY | (direct ? constants.O_DIRECT : 0));
    return { path, dfd, bfd };
  } catch {
    closeSync(bfd);
    return undefined;
  }
}

/** Appends chunks of uneven sizes (some larger than a slab), flushing now and then. */
async function exercise(name: string, direct: boolean): Promise<'no-direct' | undefined> {
  const f = open(name, direct);
  if (!f) return 'no-direct';
  const errors: Error[] = [];
  const a = new DirectAppender(
    f.path,
    f.dfd,
    f.bfd,
    () => {},
    (e) => errors.push(e),
  );
  // Everything appended, in order (sized for the worst case of the sizes below).
  const expect = Buffer.alloc(64 * 1024 * 1024);
  let total = 0;
  let checked = 0;
  const fd = openSync(f.path, 'r');
  /** The file holds exactly `total` bytes, equal to what was appended (read from `checked` on). */
  const check = (what: string) => {
    const size = fstatSync(fd).size;
    assert.equal(size, total, `${what}: file size`);
    const from = Math.max(0, checked - 8192); // the last tail was rewritten: check it again
    const got = Buffer.alloc(size - from);
    readSync(fd, got, 0, got.length, from);
    assert.ok(got.equals(expect.subarray(from, size)), `${what}: content`);
    checked = size;
  };
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 0; i < 300; i++) {
    const r = next();
    // Mostly pipe-sized chunks; some larger than a slab (2 MiB), some of a few bytes.
    const size = r % 23 === 0 ? 2 * 1024 * 1024 + (r % 70_001) : r % 5 === 0 ? 1 + (r % 9) : 1 + (r % 70_000);
    const b = randomBytes(size);
    b.copy(expect, total);
    total += size;
    a.append(b);
    b.fill(0); // the appender copied it: the caller may reuse its buffer at once
    if (r % 7 === 0) {
      // A periodic flush: afterwards the file must be an exact prefix of what was appended.
      a.flush();
      await a.idle();
      check(`after flush ${i}`);
      if (r % 3 === 0) {
        // A second flush with nothing new: the session is quiet and gives its slab back.
        a.flush();
        await a.idle();
        check(`after a quiet flush ${i}`);
      }
    }
  }
  a.flush();
  await a.idle();
  a.dispose();
  closeSync(f.dfd);
  closeSync(f.bfd);
  assert.deepEqual(errors, []);
  checked = 0;
  check('at the end');
  closeSync(fd);
  return undefined;
}

describe('direct recording file', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds exactly the appended bytes, and an exact prefix after every flush (O_DIRECT)', async (t) => {
    if ((await exercise('direct.bin', true)) === 'no-direct') t.skip(`no O_DIRECT on ${tmpdir()}`);
  });

  it('does the same with ordinary descriptors (the block and tail logic alone)', async () => {
    assert.equal(await exercise('buffered.bin', false), undefined);
  });

  it('writes every session completely when more sessions write at once than there are slabs', async (t) => {
    const files = [];
    for (let i = 0; i < 80; i++) {
      const f = open(`many-${i}.bin`, true);
      if (!f) return t.skip(`no O_DIRECT on ${tmpdir()}`);
      const a = new DirectAppender(
        f.path,
        f.dfd,
        f.bfd,
        () => {},
        (e) => assert.fail(e),
      );
      const want = randomBytes(5000 + i);
      a.append(want); // each holds a slab from now on: the last ones get ordinary buffers
      files.push({ f, a, want });
    }
    for (const { f, a, want } of files) {
      a.flush();
      await a.idle();
      a.dispose();
      closeSync(f.dfd);
      closeSync(f.bfd);
      const fd = openSync(f.path, 'r');
      const got = Buffer.alloc(want.length + 1);
      assert.equal(readSync(fd, got, 0, got.length, 0), want.length);
      closeSync(fd);
      assert.ok(got.subarray(0, want.length).equals(want));
    }
  });
});
