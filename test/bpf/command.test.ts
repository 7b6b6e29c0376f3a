/**
 * session.command from the real kernel: commands run through the real launcher into a session
 * cgroup, events taken from what the enhanced recording emits.
 */
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EnhancedRecording } from '../../bpf/index.js';
import { needs } from '../helpers/privileged.js';
import {
  bpfAvailable,
  bpfReason,
  closeRecording,
  hasArgv,
  RecordingEmitter,
  session,
  sh,
  startRecording,
} from './helpers.js';

describe('command capture', { timeout: 120_000 }, () => {
  const em = new RecordingEmitter();
  let rec: EnhancedRecording | undefined;

  before(async () => {
    if (bpfAvailable) rec = await startRecording(em, { events: ['command'] });
  });
  after(async () => {
    await closeRecording(rec);
  });

  /** Runs a bash script in a fresh session and returns that session's command events. */
  async function inSession(script: string) {
    assert.ok(rec);
    const s = session('cmd');
    const placed = await rec.hooks.prepare(s);
    assert.ok(placed.cgroupDir);
    const res = await sh(placed.cgroupDir, script);
    await rec.hooks.finish(s);
    return { res, commands: em.commands(s.session_id), placed };
  }

  test('ls -la /tmp is reported with its argv, pid, parent, path and ids', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const { commands, placed } = await inSession('ls -la /tmp >/dev/null');
    const ls = commands.find((c) => c.argv[0] === 'ls');
    assert.ok(ls, JSON.stringify(commands));
    assert.deepEqual(ls.argv, ['ls', '-la', '/tmp']);
    assert.equal(ls.fields.program, 'ls');
    assert.match(String(ls.fields.path), /\/ls$/);
    assert.equal(ls.fields.return_code, 0);
    assert.equal(ls.fields.argv_truncated, false);
    assert.equal(ls.fields.cgroup_id, Number(placed.cgroupId));
    assert.equal(ls.fields.uid, 0);
    const bash = commands.find((c) => c.argv[0] === 'bash');
    assert.ok(bash);
    assert.equal(ls.fields.ppid, bash.fields.pid);
    assert.deepEqual(em.invalid, []);
  });

  test("bash -c 'cat /etc/hostname' gives both bash and cat", async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const { commands } = await inSession("bash -c 'cat /etc/hostname'");
    assert.ok(hasArgv(commands, ['bash', '-c', 'cat /etc/hostname']), JSON.stringify(commands));
    assert.ok(hasArgv(commands, ['cat', '/etc/hostname']), JSON.stringify(commands));
  });

  test('an obfuscated eval "$(echo bHMgLWxh | base64 -d)" is seen as ls -la', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const { commands } = await inSession('eval "$(echo bHMgLWxh | base64 -d)" >/dev/null');
    assert.ok(hasArgv(commands, ['base64', '-d']), JSON.stringify(commands));
    assert.ok(hasArgv(commands, ['ls', '-la']), JSON.stringify(commands));
  });

  test('every command of a script run with sh is reported', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const script = `/tmp/sshtrail-x-${process.pid}.sh`;
    writeFileSync(script, 'id -u >/dev/null\nuname -r >/dev/null\nhead -c 1 /etc/hostname >/dev/null\n');
    try {
      const { commands } = await inSession(`sh ${script}`);
      assert.ok(hasArgv(commands, ['sh', script]));
      assert.ok(hasArgv(commands, ['id', '-u']));
      assert.ok(hasArgv(commands, ['uname', '-r']));
      assert.ok(hasArgv(commands, ['head', '-c', '1', '/etc/hostname']));
    } finally {
      rmSync(script, { force: true });
    }
  });

  test('a failing exec (/nonexistent) gives a negative return code', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const { commands } = await inSession('/nonexistent arg1; true');
    const failed = commands.find((c) => c.fields.path === '/nonexistent');
    assert.ok(failed, JSON.stringify(commands));
    assert.equal(failed.fields.return_code, -2); // -ENOENT
    assert.deepEqual(failed.argv, ['/nonexistent', 'arg1']);
    assert.equal('exe_path' in failed.fields, false); // nothing ran
    assert.deepEqual(em.invalid, []);
  });

  test('a PATH search is one event for the exec that worked, listing the paths tried', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    // env (glibc's execvp) execs each PATH directory in turn: two ENOENT failures, then
    // /usr/bin/ls. (dash and bash look with stat() first: `sh -c 'ls /'` makes no failed exec.)
    const { commands } = await inSession('PATH=/nonexist1:/nonexist2:/usr/bin /usr/bin/env ls / >/dev/null');
    const ls = commands.filter((c) => c.argv[0] === 'ls');
    assert.equal(ls.length, 1, JSON.stringify(ls));
    assert.equal(ls[0]?.fields.path, '/usr/bin/ls');
    assert.equal(ls[0]?.fields.return_code, 0);
    assert.deepEqual(ls[0]?.fields.path_tried, ['/nonexist1/ls', '/nonexist2/ls']);
    assert.deepEqual(em.invalid, []);
  });

  test('a PATH search that finds nothing still gives each failed exec', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const { commands } = await inSession(
      'PATH=/nonexist1:/nonexist2 /usr/bin/env sshtrail-no-such-cmd 2>/dev/null; true',
    );
    const failed = commands.filter((c) => c.argv[0] === 'sshtrail-no-such-cmd');
    assert.deepEqual(
      failed.map((c) => [c.fields.path, c.fields.return_code]),
      [
        ['/nonexist1/sshtrail-no-such-cmd', -2],
        ['/nonexist2/sshtrail-no-such-cmd', -2],
      ],
    );
    assert.ok(failed.every((c) => !('path_tried' in c.fields)));
  });

  test('a long argument is cut with argv_truncated, the part kept intact', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const long = 'x'.repeat(20_000);
    const { commands } = await inSession(`/bin/echo first ${long} last >/dev/null`);
    const echo = commands.find((c) => c.argv[0] === '/bin/echo');
    assert.ok(echo);
    assert.equal(echo.fields.argv_truncated, true);
    assert.equal(echo.argv[1], 'first');
    const kept = echo.argv[2] ?? '';
    assert.ok(kept.length >= 4000, `kept ${kept.length} bytes`);
    assert.equal(kept, 'x'.repeat(kept.length)); // a prefix of the real argument, nothing else
    assert.equal(echo.argv.length, 3);
  });

  test('more arguments than fit are cut with argv_truncated, each kept one intact', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const args = Array.from({ length: 3000 }, (_, i) => `arg${i}`);
    const { commands } = await inSession(`/bin/echo ${args.join(' ')} >/dev/null`);
    const echo = commands.find((c) => c.argv[0] === '/bin/echo');
    assert.ok(echo);
    assert.equal(echo.fields.argv_truncated, true);
    const got = echo.argv.slice(1);
    assert.ok(got.length > 20, `only ${got.length} args`);
    // All but the last are exactly the real ones, in order; the last may be cut short.
    assert.deepEqual(got.slice(0, -1), args.slice(0, got.length - 1));
    assert.ok((args[got.length - 1] ?? '').startsWith(got.at(-1) ?? '!'));
  });

  test('a failed exec with more arguments than are read is marked truncated', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const args = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const { commands } = await inSession(`/nonexistent ${args.join(' ')}; true`);
    const failed = commands.find((c) => c.fields.path === '/nonexistent');
    assert.ok(failed);
    assert.equal(failed.fields.argv_truncated, true);
    assert.ok(failed.argv.length >= 20);
    assert.deepEqual(failed.argv.slice(1), args.slice(0, failed.argv.length - 1));
  });

  test('exe_path is the absolute file that ran: ./tool, ../x/tool, a symlink, a deleted file, a memfd', async (t) => {
    if (!needs(t, bpfAvailable, bpfReason)) return;
    const dir = mkdtempSync('/tmp/sshtrail-exe-');
    try {
      mkdirIn(dir, 'x', 'y');
      const tool = join(dir, 'x', 'tool');
      copyFileSync('/bin/true', tool);
      symlinkSync(tool, join(dir, 'link'));
      copyFileSync('/bin/true', join(dir, 'gone'));
      const memfd = [
        'import os',
        "fd = os.memfd_create('sshtrail-mem')",
        "os.write(fd, open('/bin/true', 'rb').read())",
        "os.execv('/proc/self/fd/%d' % fd, ['from-memfd'])",
      ].join('\n');
      const { commands } = await inSession(
        [
          `cd ${dir}/x && ./tool first`,
          'cd ../y && ../x/tool second',
          '../link third',
          // Opened, unlinked, then run through its descriptor.
          `(exec 3<${dir}/gone && rm ${dir}/gone && exec /proc/self/fd/3 fourth)`,
          `/usr/bin/python3 -c "${memfd}"`,
        ].join('; '),
      );
      const by = (arg: string) => commands.find((c) => c.argv.includes(arg))?.fields;
      assert.deepEqual(
        [by('first'), by('second'), by('third')].map((f) => [f?.path, f?.exe_path, f?.exe_deleted]),
        [
          ['./tool', tool, false],
          ['../x/tool', tool, false],
          ['../link', tool, false],
        ],
      );
      const gone = by('fourth');
      assert.deepEqual(
        [gone?.path, gone?.exe_path, gone?.exe_deleted],
        ['/proc/self/fd/3', join(dir, 'gone'), true],
      );
      const mem = by('from-memfd');
      assert.deepEqual([mem?.exe_path, mem?.exe_deleted], ['/memfd:sshtrail-mem', true]);
      // /usr/bin/python3 is a symlink: the file it points to ran.
      const python = commands.find((c) => c.argv[0] === '/usr/bin/python3');
      assert.equal(python?.fields.exe_path, realpathSync('/usr/bin/python3'));
      assert.deepEqual(em.invalid, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function mkdirIn(dir: string, ...names: string[]): void {
  for (const n of names) mkdirSync(join(dir, n));
}
