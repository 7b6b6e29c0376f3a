/**
 * Per-session cgroups on the real cgroup v2 hierarchy: mount detection, ids, nested roots,
 * killing everything at the end, and the clean-up of what a crashed server left.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CgroupManager, findCgroup2Mount, parseCgroup2Mount } from '../../core/cgroup/index.js';
import { buildDir } from '../../core/paths.js';
import { isRoot, needs } from '../helpers/privileged.js';

const mount = findCgroup2Mount();
const usable = isRoot && mount !== undefined && existsSync(join(buildDir(), 'sshtrail-launch'));
const reason = 'needs root, a cgroup v2 mount and build/sshtrail-launch';
let seq = 0;
const root = () => `sshtrail-test-cg/${process.pid}-${seq++}`;

/** Starts `sleep` in the cgroup through the launcher; resolves with its pid once it runs there. */
function sleeperIn(dir: string, detach = false): Promise<number> {
  const script = detach
    ? 'setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $!'
    : 'echo $$; exec sleep 1000';
  return new Promise((resolve, reject) => {
    const child = spawn(join(buildDir(), 'sshtrail-launch'), ['--cgroup', dir, '--', 'bash', '-c', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('cgroup v2 mount detection', () => {
  test('finds the cgroup2 line in mountinfo, unescaping octal escapes', () => {
    const info = [
      '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
      '31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '40 30 0:37 / /sys/fs/cgroup/uni\\040fied rw,relatime shared:9 - cgroup2 cgroup2 rw',
    ].join('\n');
    assert.equal(parseCgroup2Mount(info), '/sys/fs/cgroup/uni fied');
    assert.equal(parseCgroup2Mount('30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw'), undefined);
  });

  test('this machine has one, with cgroup.controllers in it', (t) => {
    if (!needs(t, mount !== undefined, 'no cgroup v2 mount')) return;
    assert.ok(existsSync(join(mount ?? '', 'cgroup.controllers')));
  });
});

describe('session cgroups', { timeout: 60_000 }, () => {
  after(() => {
    try {
      rmdirSync(join(mount ?? '/nonexistent', 'sshtrail-test-cg'));
    } catch {
      // still used by another run
    }
  });

  test('a session cgroup is created under a nested root, its id is its inode', async (t) => {
    if (!needs(t, usable, reason)) return;
    const r = root();
    const mgr = await CgroupManager.open({ root: `${r}/deeper` });
    assert.equal(mgr.rootDir, join(mount ?? '', r, 'deeper'));
    const cg = await mgr.create('sess-1');
    assert.equal(cg.dir, join(mgr.rootDir, 'sess-1'));
    assert.equal(cg.id, statSync(cg.dir, { bigint: true }).ino);
    await assert.rejects(mgr.create('sess-1'), /EEXIST/);
    await assert.rejects(mgr.create('../escape'), /unsafe cgroup name/);
    await mgr.destroy(cg.dir);
    assert.equal(existsSync(cg.dir), false);
    await mgr.removeRootIfEmpty();
    assert.equal(existsSync(join(mount ?? '', r)), false, 'the nested root it created is gone');
  });

  test('destroy kills every process, daemonized ones and nested cgroups included, then removes it', async (t) => {
    if (!needs(t, usable, reason)) return;
    const mgr = await CgroupManager.open({ root: root() });
    const cg = await mgr.create('sess-kill');
    const direct = await sleeperIn(cg.dir);
    const daemon = await sleeperIn(cg.dir, true);
    const nested = join(cg.dir, 'inner');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(nested);
    const inner = await sleeperIn(nested);
    for (const pid of [direct, daemon, inner]) assert.ok(alive(pid), `pid ${pid} runs`);
    await mgr.destroy(cg.dir);
    for (const pid of [direct, daemon, inner]) assert.equal(alive(pid), false, `pid ${pid} was killed`);
    assert.equal(existsSync(cg.dir), false);
    await mgr.removeRootIfEmpty();
  });

  test('at start-up, cgroups left under the root by a crashed server are killed and removed', async (t) => {
    if (!needs(t, usable, reason)) return;
    const r = root();
    const crashed = await CgroupManager.open({ root: r });
    const left = await crashed.create('left-behind');
    const pid = await sleeperIn(left.dir, true); // its parent is init now, as after a crash
    // A new server on the same root: it cleans up before taking sessions.
    const next = await CgroupManager.open({ root: r });
    assert.equal(alive(pid), false);
    assert.equal(existsSync(left.dir), false);
    assert.ok(existsSync(next.rootDir));
    await next.removeRootIfEmpty(); // the root is the instance's own, made by either run
    assert.equal(existsSync(next.rootDir), false);
    rmdirSync(join(next.rootDir, '..'));
  });

  test("at start-up even a fresh cgroup and one with a live parent go (the root is this instance's); a sibling instance's root is untouched", async (t) => {
    if (!needs(t, usable, reason)) return;
    const base = root();
    const crashed = await CgroupManager.open({ root: `${base}/a` });
    const other = await CgroupManager.open({ root: `${base}/b` });
    const mine = await crashed.create('live-parent'); // its shell's parent (this process) lives
    const minePid = await sleeperIn(mine.dir);
    const fresh = await crashed.create('just-made');
    const theirs = await other.create('their-session');
    const theirPid = await sleeperIn(theirs.dir);
    const next = await CgroupManager.open({ root: `${base}/a` });
    assert.equal(alive(minePid), false);
    assert.equal(existsSync(mine.dir) || existsSync(fresh.dir), false);
    assert.ok(alive(theirPid) && existsSync(theirs.dir));
    // Stopping one removes its root only; the shared parent stays while the other uses it.
    await next.removeRootIfEmpty();
    assert.equal(existsSync(next.rootDir), false);
    assert.ok(existsSync(theirs.dir));
    await other.destroy(theirs.dir);
    await other.removeRootIfEmpty();
    assert.equal(alive(theirPid), false);
    rmdirSync(join(other.rootDir, '..'));
  });

  test('an invalid root or a mount that is not cgroup v2 is refused', async (t) => {
    if (!needs(t, usable, reason)) return;
    await assert.rejects(CgroupManager.open({ root: '../x' }), /invalid cgroup root/);
    await assert.rejects(CgroupManager.open({ root: 'x', mount: '/tmp' }), /not a cgroup v2 mount/);
  });
});
