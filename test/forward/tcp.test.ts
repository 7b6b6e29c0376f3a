/**
 * TCP forwarding through the real server with OpenSSH's client and curl, as a non-root login:
 * `ssh -L`, `-R` (a fixed port and port 0), `-D` (curl --socks5), `-J` through sshtrail to
 * sshtrail; the refusals (a port below 1024 for a non-root login, forwarding.tcp none,
 * no-port-forwarding, permitopen); every session.forward event checked against what curl moved.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttp, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { validateAuditFile } from '../helpers/session-checks.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

const BODY = Buffer.alloc(200_000, 'x');

interface Curl {
  code: number;
  body: Buffer;
  /** Bytes curl received (headers + body) and sent (the request). */
  received: number;
  sent: number;
  err: string;
}

function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve) => {
    execFile(
      'curl',
      ['-s', '-S', '--max-time', '20', '-w', '\n%{size_header} %{size_download} %{size_request}', ...args],
      { encoding: 'buffer', timeout: 30_000, maxBuffer: 10_000_000 },
      (err, stdout, stderr) => {
        const nl = stdout.lastIndexOf(10);
        const [h, d, r] = stdout
          .subarray(nl + 1)
          .toString()
          .split(' ')
          .map(Number);
        resolve({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          body: stdout.subarray(0, nl),
          received: (h ?? 0) + (d ?? 0),
          sent: r ?? 0,
          err: stderr.toString(),
        });
      },
    );
  });
}

/** A port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

interface Tunnel {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `ssh -v ...` and waits until its stderr matches `ready`. */
async function tunnel(args: string[], ready: RegExp): Promise<Tunnel> {
  const child = spawn('ssh', ['-v', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const until = Date.now() + 20_000;
  while (!ready.test(err)) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`ssh not ready:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function run(cmd: string, args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const c = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    c.stdin?.end(input ?? '');
  });
}

const forwards = (ev: EventRecord[]) => ev.filter((e) => e.type === 'session.forward');

/** `ssh -W target` (stdio forwarding: a direct-tcpip channel) with the args of srv.sshArgs. */
const stdioForward = (sshArgs: string[], target: string) =>
  run('ssh', [...sshArgs.slice(0, -1), '-W', target, sshArgs.at(-1) as string]);

describe('tcp forwarding', {
  skip: isRoot ? false : 'needs root: logs in as a test user',
  timeout: 240_000,
}, () => {
  let srv: TestServer;
  let user: TestUser;
  let http: HttpServer;
  let httpPort: number;

  before(async () => {
    user = ensureUser('sshtrail-fwd');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    http = createHttp((_req, res) => {
      res.setHeader('content-length', BODY.length);
      res.end(BODY);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    httpPort = (http.address() as AddressInfo).port;
  });
  after(async () => {
    await srv?.stop();
    http?.close();
  });

  /** The ssh arguments before the destination, for options of our own. */
  const base = (extra: string[]) => {
    const a = srv.sshArgs({ login: user.name, options: ['-o', 'ExitOnForwardFailure=yes', ...extra] });
    return a.filter((x) => x !== '-T');
  };

  /** The close event of the forward whose open matched, once written. */
  const closeOf = async (open: (e: EventRecord) => boolean) => {
    const ev = await srv.waitForEvents((all) => {
      const o = forwards(all).find((e) => e.action === 'open' && open(e));
      return (
        o !== undefined &&
        forwards(all).some(
          (e) => e.action === 'close' && e.forward_id === o.forward_id && e.session_id === o.session_id,
        )
      );
    });
    const o = forwards(ev).find((e) => e.action === 'open' && open(e)) as EventRecord;
    return {
      open: o,
      close: forwards(ev).find(
        (e) => e.action === 'close' && e.forward_id === o.forward_id && e.session_id === o.session_id,
      ) as EventRecord,
    };
  };

  it('ssh -L: curl reaches a local server; open and close events carry the bytes curl moved', async () => {
    const lport = await freePort();
    const t = await tunnel(
      ['-N', '-L', `${lport}:127.0.0.1:${httpPort}`, ...base([]).slice(0)],
      /Entering interactive session/,
    );
    try {
      const c = await curl([`http://127.0.0.1:${lport}/l`]);
      assert.equal(c.code, 0, c.err + t.stderr());
      assert.ok(c.body.equals(BODY));
      const { open, close } = await closeOf((e) => e.direction === 'local' && e.target_port === httpPort);
      assert.equal(open.result, 'ok');
      assert.equal(open.target_host, '127.0.0.1');
      assert.equal(open.target_addr, '127.0.0.1');
      assert.equal(open.login, user.name);
      assert.equal(open.originator_addr, '127.0.0.1');
      assert.equal(typeof open.session_id, 'string');
      assert.equal(close.bytes_out, c.received);
      assert.equal(close.bytes_in, c.sent);
      assert.equal(close.result, 'ok');
    } finally {
      await t.stop();
    }
  });

  it("ssh -R with a fixed port and with port 0: the listener is the login's, on loopback", async () => {
    const rport = await freePort();
    const t = await tunnel(
      ['-N', '-R', `${rport}:127.0.0.1:${httpPort}`, '-R', `0:127.0.0.1:${httpPort}`, ...base([])],
      /Allocated port (\d+) for remote forward/,
    );
    try {
      await srv.waitForEvents(
        (e) => forwards(e).filter((x) => x.action === 'listen' && x.result === 'ok').length >= 2,
      );
      const allocated = Number(/Allocated port (\d+)/.exec(t.stderr())?.[1]);
      assert.ok(allocated > 0 && allocated !== rport);
      for (const port of [rport, allocated]) {
        const c = await curl([`http://127.0.0.1:${port}/r`]);
        assert.equal(c.code, 0, c.err + t.stderr());
        assert.ok(c.body.equals(BODY));
        const { open, close } = await closeOf((e) => e.direction === 'remote' && e.listen_port === port);
        assert.equal(open.bind_addr, '127.0.0.1');
        assert.equal(open.listen_host, 'localhost');
        assert.equal(open.originator_addr, '127.0.0.1');
        // The SSH client sent the response and received the request.
        assert.equal(close.bytes_in, c.received);
        assert.equal(close.bytes_out, c.sent);
      }
      // The listening socket belongs to the login (opened by its helper), not to root.
      const ss = await run('ss', ['-Hltne', `sport = :${allocated}`]);
      assert.match(ss.out, new RegExp(`uid:${user.uid}\\b`), ss.out);
    } finally {
      await t.stop();
    }
    // The connection's end closes the listeners.
    const ev = await srv.waitForEvents((e) => forwards(e).filter((x) => x.action === 'unlisten').length >= 2);
    const unlisten = forwards(ev).find((x) => x.action === 'unlisten' && x.listen_port === rport);
    assert.equal(unlisten?.connections, 1);
    const after = await curl([`http://127.0.0.1:${rport}/gone`]);
    assert.notEqual(after.code, 0);
  });

  it('ssh -O cancel -R over a ControlMaster stops the listener (cancel-tcpip-forward)', async () => {
    const rport = await freePort();
    const sock = join(srv.dir, `cm-${rport}`);
    const t = await tunnel(
      ['-M', '-S', sock, '-N', '-R', `${rport}:127.0.0.1:${httpPort}`, ...base([])],
      /remote forward success/,
    );
    try {
      await srv.waitForEvents((e) =>
        forwards(e).some((x) => x.action === 'listen' && x.listen_port === rport),
      );
      const c = await curl([`http://127.0.0.1:${rport}/cm`]);
      assert.equal(c.code, 0, c.err);
      const cancel = await run('ssh', [
        '-S',
        sock,
        '-O',
        'cancel',
        '-R',
        `${rport}:127.0.0.1:${httpPort}`,
        ...base([]),
      ]);
      assert.equal(cancel.code, 0, cancel.out);
      const ev = await srv.waitForEvents((e) =>
        forwards(e).some((x) => x.action === 'unlisten' && x.listen_port === rport),
      );
      assert.equal(
        forwards(ev).find((x) => x.action === 'unlisten' && x.listen_port === rport)?.connections,
        1,
      );
      // The master connection is still up, the port is not.
      assert.equal(t.child.exitCode, null);
      const gone = await curl([`http://127.0.0.1:${rport}/gone`]);
      assert.notEqual(gone.code, 0);
    } finally {
      await t.stop();
    }
  });

  it('ssh -D: curl --socks5 through the dynamic forward', async () => {
    const dport = await freePort();
    const t = await tunnel(['-N', '-D', `127.0.0.1:${dport}`, ...base([])], /Entering interactive session/);
    try {
      const c = await curl(['--socks5', `127.0.0.1:${dport}`, `http://127.0.0.1:${httpPort}/d`]);
      assert.equal(c.code, 0, c.err + t.stderr());
      assert.ok(c.body.equals(BODY));
      const { close } = await closeOf(
        (e) => e.direction === 'local' && e.target_port === httpPort && e.originator_port !== undefined,
      );
      assert.equal(close.bytes_out, c.received);
    } finally {
      await t.stop();
    }
  });

  it('ssh -J through sshtrail to sshtrail', async () => {
    const cfg = join(srv.dir, 'jump.conf');
    const known = join(srv.dir, 'jump_known_hosts');
    const common = [
      '  HostName 127.0.0.1',
      `  Port ${srv.port}`,
      `  User ${user.name}`,
      `  IdentityFile ${srv.keyFile}`,
      '  IdentitiesOnly yes',
      '  BatchMode yes',
      `  UserKnownHostsFile ${known}`,
      '  StrictHostKeyChecking accept-new',
      '  LogLevel ERROR',
    ];
    writeFileSync(cfg, ['Host fwd-jump', ...common, 'Host fwd-target', ...common, ''].join('\n'));
    const r = await run('ssh', ['-F', cfg, '-J', 'fwd-jump', 'fwd-target', 'echo through-the-jump']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /through-the-jump/);
    await closeOf(
      (e) => e.direction === 'local' && e.target_port === srv.port && e.originator_port === 65535,
    );
  });

  it('a non-root login cannot listen below 1024: the client is told, the event says EACCES', async () => {
    const r = await run('ssh', ['-N', '-R', `80:127.0.0.1:${httpPort}`, ...base([])]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /remote port forwarding failed for listen port 80/);
    const ev = await srv.waitForEvents((e) =>
      forwards(e).some((x) => x.action === 'listen' && x.listen_port === 80),
    );
    const l = forwards(ev).find((x) => x.action === 'listen' && x.listen_port === 80);
    assert.equal(l?.result, 'failed');
    assert.equal(l?.reason, 'EACCES');
  });

  it('permitopen limits the targets; no-port-forwarding refuses every forward', async () => {
    const limited = srv.newKey('permitopen');
    srv.authorize(user.name, `permitopen="127.0.0.1:${httpPort}" ${readFileSync(`${limited}.pub`, 'utf8')}`);
    const none = srv.newKey('noforward');
    srv.authorize(user.name, `no-port-forwarding ${readFileSync(`${none}.pub`, 'utf8')}`);
    const args = (key: string, target: string) => [
      ...srv.sshArgs({ login: user.name, identity: key }).slice(0, -1),
      '-W',
      target,
      srv
        .sshArgs()
        .at(-1)
        ?.replace(/^[^@]*@/, `${user.name}@`) as string,
    ];
    const req = 'GET / HTTP/1.0\r\n\r\n';
    const ok = await run('ssh', args(limited, `127.0.0.1:${httpPort}`), req);
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /HTTP\/1\.1 200/);
    const other = await run('ssh', args(limited, `127.0.0.1:${srv.port}`), req);
    assert.notEqual(other.code, 0);
    assert.match(other.out, /open failed|stdio forwarding failed/);
    const off = await run('ssh', args(none, `127.0.0.1:${httpPort}`), req);
    assert.notEqual(off.code, 0);
    assert.match(off.out, /open failed|stdio forwarding failed/);
    const ev = await srv.waitForEvents((e) => forwards(e).filter((x) => x.result === 'refused').length >= 2);
    const refused = forwards(ev).filter((x) => x.result === 'refused');
    assert.ok(
      refused.some((x) => x.reason === 'not_permitted' && x.target_port === srv.port),
      JSON.stringify(refused),
    );
    assert.ok(refused.some((x) => x.reason === 'key_no_port_forwarding' && x.target_port === httpPort));
    assert.match(srv.logs(), /forward refused: the key's permitopen does not name/);
  });

  it('every event validates', () => {
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
  });
});

describe('forwarding.tcp', {
  skip: isRoot ? false : 'needs root: logs in as a test user',
  timeout: 60_000,
}, () => {
  let srv: TestServer;
  let user: TestUser;
  before(async () => {
    user = ensureUser('sshtrail-fwd');
    srv = await startServer({ config: { forwarding: { tcp: 'none' } } });
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
  });
  after(async () => srv?.stop());

  it('none: -W (direct-tcpip) and -R (tcpip-forward) are refused at once, and logged with why', async () => {
    const a = srv.sshArgs({ login: user.name, options: ['-o', 'ExitOnForwardFailure=yes'] });
    const w = await stdioForward(a, `127.0.0.1:${srv.port}`);
    assert.notEqual(w.code, 0);
    assert.match(w.out, /open failed|stdio forwarding failed/);
    const r = await run('ssh', ['-N', '-R', '0:127.0.0.1:9', ...a]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /remote port forwarding failed/);
    const ev = await srv.waitForEvents((e) => forwards(e).length >= 2);
    assert.deepEqual(
      forwards(ev).map((e) => [e.action, e.direction, e.result, e.reason, e.session_id]),
      [
        ['open', 'local', 'refused', 'forwarding_disabled', undefined],
        ['listen', 'remote', 'refused', 'forwarding_disabled', undefined],
      ],
    );
    assert.match(srv.logs(), /forward refused: forwarding.tcp is none/);
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
  });
});

/**
 * Match blocks set forwarding per login (sshd's AllowTcpForwarding and GatewayPorts inside
 * Match; the agent's is in test/session/agent-forwarding.test.ts): the forwarding code must read
 * the login's settings, not the top-level ones. Forwarding is off outside the block; one login's block turns it on with
 * GatewayPorts clientspecified, so each of its remote forwards binds where the client asks.
 */
describe('forwarding in match blocks', {
  skip: isRoot ? false : 'needs root: logs in as test users',
  timeout: 90_000,
}, () => {
  let srv: TestServer;
  let allowed: TestUser;
  let other: TestUser;
  before(async () => {
    allowed = ensureUser('sshtrail-fwd');
    other = ensureUser('sshtrail-fwd2');
    srv = await startServer({
      config: {
        forwarding: { tcp: 'none', agent: false },
        match: [
          {
            name: 'tunnels',
            when: { user: [allowed.name] },
            set: { forwarding: { tcp: 'all', gateway_ports: 'clientspecified' } },
          },
        ],
      },
    });
    for (const u of [allowed, other]) srv.authorize(u.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
  });
  after(async () => srv?.stop());

  it("the block's login may forward and bind where it asks; the others are refused by the top-level none", async () => {
    const a = srv.sshArgs({ login: allowed.name, options: ['-o', 'ExitOnForwardFailure=yes'] });
    const t = await tunnel(
      ['-N', '-R', '127.0.0.1:0:127.0.0.1:9', '-R', '*:0:127.0.0.1:9', ...a],
      /Allocated port (\d+) for remote forward[\s\S]*Allocated port (\d+) for remote forward/,
    );
    let listens: EventRecord[];
    try {
      const ev = await srv.waitForEvents(
        (e) => forwards(e).filter((x) => x.action === 'listen' && x.result === 'ok').length >= 2,
      );
      listens = forwards(ev).filter((x) => x.action === 'listen');
    } finally {
      await t.stop();
    }
    // clientspecified: the named address as asked, `*` (sent by OpenSSH as "") as every address,
    // one IPv6 socket that takes IPv4 too, as sshd binds.
    assert.deepEqual(listens.map((x) => [x.listen_host, x.bind_addr, x.result]).sort(), [
      ['', '::', 'ok'],
      ['127.0.0.1', '127.0.0.1', 'ok'],
    ]);
    const w = await stdioForward(a, `127.0.0.1:${srv.port}`);
    assert.match(w.out, /^SSH-2\.0-/, w.out);

    const b = srv.sshArgs({ login: other.name, options: ['-o', 'ExitOnForwardFailure=yes'] });
    const refused = await stdioForward(b, `127.0.0.1:${srv.port}`);
    assert.notEqual(refused.code, 0);
    const ev = await srv.waitForEvents((e) =>
      forwards(e).some((x) => x.login === other.name && x.result === 'refused'),
    );
    const mine = forwards(ev).filter((x) => x.login === other.name);
    assert.deepEqual(
      mine.map((e) => [e.action, e.result, e.reason]),
      [['open', 'refused', 'forwarding_disabled']],
    );
    const v = validateAuditFile(srv.dataDir);
    assert.equal(v.code, 0, v.output);
  });
});
