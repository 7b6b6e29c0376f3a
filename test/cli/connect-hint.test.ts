/**
 * The connect hint `serve` prints works as printed: a fresh account (no key pair, no ~/.ssh, a
 * host key never seen) runs the printed commands, then the printed ssh command, which logs in with
 * strict host key checking. The server runs as that account, as a user trying sshtrail would.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRoot, needs } from '../helpers/privileged.js';
import { sshtrailBin } from '../helpers/server.js';
import { ensureUser } from '../helpers/users.js';

function runAs(user: string, script: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('runuser', ['-u', user, '--', 'sh', '-c', script], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

test('a fresh account follows the printed hint and logs in with strict host key checking', async (t) => {
  if (!needs(t, isRoot, 'needs root: creates a test account and runs the server as it')) return;
  const u = ensureUser('sshtrail-hint');
  rmSync(join(u.home, '.ssh'), { recursive: true, force: true });
  const dataDir = join(u.home, 'sshtrail-data');
  rmSync(dataDir, { recursive: true, force: true });
  const server = spawn(
    'runuser',
    ['-u', u.name, '--', sshtrailBin, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.after(() => {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {}
  });
  let stderr = '';
  server.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // The hint ends with the events line.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no hint within 60 s:\n${stderr}`)), 60_000);
    const poll = setInterval(() => {
      if (/^events: /m.test(stderr)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 50);
    server.on('exit', (code) => reject(new Error(`server exited ${code}:\n${stderr}`)));
  });
  const lines = stderr.split('\n');
  assert.ok(
    lines.some((l) => l.startsWith('first time:')),
    stderr,
  );
  assert.ok(
    lines.some((l) => l.startsWith('trust:')),
    stderr,
  );
  // The indented lines under "first time:" and "trust:" are the commands, in order.
  const commands = lines.filter((l) => /^ {13}\S/.test(l)).map((l) => l.trim());
  assert.ok(commands.length >= 3, stderr);
  for (const c of commands) {
    const r = await runAs(u.name, c);
    assert.equal(r.code, 0, `${c}\n${r.out}`);
  }
  const connect = lines.find((l) => l.startsWith('connect:'))?.replace(/^connect:\s+/, '');
  assert.ok(connect?.startsWith('ssh '), stderr);
  // BatchMode: no prompt to answer; StrictHostKeyChecking=yes: only the recorded host key is trusted.
  const r = await runAs(
    u.name,
    `ssh -o BatchMode=yes -o StrictHostKeyChecking=yes ${connect?.slice(4)} echo hint-works`,
  );
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /hint-works/);
});
