/**
 * Several listen addresses, the pid file and sd_notify readiness, with the real server: both
 * addresses answer, the pid file holds the server's pid (0644) until it stops, and a unix datagram
 * socket standing in for systemd's (python3) gets READY=1 once it listens, RELOADING=1 and READY=1
 * around a SIGHUP reload, STOPPING=1 at stop, each sent on behalf of the server's pid.
 */
import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sshtrailBin } from '../helpers/server.js';

const receiver = `
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print("bound", flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, 256)
    pid = [struct.unpack("iII", d[:12])[0] for lvl, t, d in anc if t == socket.SCM_CREDENTIALS]
    print(json.dumps({"msg": msg.decode(), "pid": pid[0] if pid else None}), flush=True)
`;

function lines(stream: Readable): { all: string[]; wait(re: RegExp, n?: number): Promise<string[]> } {
  const all: string[] = [];
  let buf = '';
  stream.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    all.push(...parts);
  });
  return {
    all,
    async wait(re, n = 1) {
      for (let i = 0; i < 600; i++) {
        const hits = all.filter((l) => re.test(l));
        if (hits.length >= n) return hits;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`${re} x${n} not seen; got:\n${all.join('\n')}`);
    },
  };
}

function banner(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('data', (d: Buffer) => {
      resolve(d.toString().split('\r\n')[0] ?? '');
      s.destroy();
    });
    s.once('error', reject);
  });
}

describe('listen addresses, pid_file and sd_notify', () => {
  let dir: string;
  let notify: ChildProcessByStdio<null, Readable, Readable>;
  let got: ReturnType<typeof lines>;
  let srv: ChildProcessByStdio<null, Readable, Readable>;
  let out: ReturnType<typeof lines>;
  let pidFile: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshtrail-notify-'));
    const sock = join(dir, 'notify.sock');
    notify = spawn('python3', ['-c', receiver, sock], { stdio: ['ignore', 'pipe', 'pipe'] });
    got = lines(notify.stdout);
    await got.wait(/^bound$/);
    pidFile = join(dir, 'sshtrail.pid');
    const config = join(dir, 'sshtrail.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        listen: ['127.0.0.1:0', '127.0.0.2:0'],
        pid_file: pidFile,
        data_dir: join(dir, 'data'),
      }),
    );
    srv = spawn(process.execPath, [sshtrailBin, 'serve', '--config', config], {
      env: { ...process.env, NOTIFY_SOCKET: sock },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    srv.stderr.resume();
    out = lines(srv.stdout);
  });
  after(() => {
    srv.kill('SIGKILL');
    notify.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on every address, writes the pid file, then says READY=1 for its pid', async () => {
    const listening = await out.wait(/^sshtrail listening on /, 2);
    const addrs = listening.map((l) => /on (\S+):(\d+)$/.exec(l)?.slice(1) as [string, string]);
    assert.deepEqual(
      addrs.map((a) => a[0]),
      ['127.0.0.1', '127.0.0.2'],
    );
    for (const [host, port] of addrs) assert.match(await banner(host, Number(port)), /^SSH-2\.0-sshtrail/);
    const [ready] = await got.wait(/READY=1/);
    assert.deepEqual(JSON.parse(ready as string), { msg: 'READY=1', pid: srv.pid });
    // Written before READY=1.
    assert.equal(readFileSync(pidFile, 'utf8'), `${srv.pid}\n`);
    assert.equal(statSync(pidFile).mode & 0o777, 0o644);
  });

  it('SIGHUP: RELOADING=1 (with MONOTONIC_USEC), then READY=1', async () => {
    srv.kill('SIGHUP');
    const [reloading] = await got.wait(/RELOADING=1/);
    const r = JSON.parse(reloading as string) as { msg: string; pid: number };
    assert.match(r.msg, /^RELOADING=1\nMONOTONIC_USEC=\d+$/);
    assert.equal(r.pid, srv.pid);
    await got.wait(/"READY=1"/, 2);
  });

  it('SIGTERM: STOPPING=1, and the pid file is removed', async () => {
    const exited = once(srv, 'exit');
    srv.kill('SIGTERM');
    const [stopping] = await got.wait(/STOPPING=1/);
    assert.deepEqual(JSON.parse(stopping as string), { msg: 'STOPPING=1', pid: srv.pid });
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.equal(existsSync(pidFile), false);
  });
});
