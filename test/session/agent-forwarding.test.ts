/**
 * Agent forwarding with OpenSSH's own ssh -A, ssh-agent and ssh-add, as a non-root login: the
 * session's SSH_AUTH_SOCK lists the client's key, the socket's directory belongs to the login
 * (0700, socket 0600) below a root-owned 0711 parent, and is gone when the session ended;
 * forwarding.agent false and the no-agent-forwarding / restrict key options refuse it; X11 is
 * refused with a message. Each decision is a session.agent event.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, sshtrailBin, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

const agentEvents = (ev: EventRecord[]) => ev.filter((e) => e.type === 'session.agent');

/** Runs ssh with the client's environment `env` (SSH_AUTH_SOCK, DISPLAY). */
async function sshWith(
  srv: TestServer,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const c = spawn('ssh', args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  c.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
  const [code] = (await once(c, 'close')) as [number | null];
  clearTimeout(timer);
  void srv;
  return { code, out, err };
}

/** A client-side ssh-agent holding one key, in a temp dir of its own. */
async function clientAgent(
  srv: TestServer,
): Promise<{ dir: string; agent: ChildProcess; agentSock: string; agentKeyFp: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-agent-'));
  const agentSock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 25));
  const key = srv.newKey('agent_key');
  execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: agentSock } });
  const agentKeyFp = (execFileSync('ssh-keygen', ['-lf', `${key}.pub`], { encoding: 'utf8' }).split(' ')[1] ??
    '') as string;
  return { dir, agent, agentSock, agentKeyFp };
}

describe('agent forwarding', { skip: isRoot ? false : 'needs root: logs in as a test user' }, () => {
  let srv: TestServer;
  let user: TestUser;
  let dir: string;
  let agent: ChildProcess;
  let agentSock: string;
  let agentKeyFp: string;

  before(async () => {
    user = ensureUser('sshtrail-agent');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    ({ dir, agent, agentSock, agentKeyFp } = await clientAgent(srv));
  });
  after(async () => {
    agent?.kill();
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ssh -A: ssh-add -l in the session lists the client key; socket private to the login, removed at the end', async () => {
    const script =
      'echo "sock=$SSH_AUTH_SOCK"; d=$(dirname "$SSH_AUTH_SOCK"); ' +
      'stat -c "%a %U" "$(dirname "$d")" "$d" "$SSH_AUTH_SOCK"; ssh-add -l; ssh-add -l >/dev/null';
    const r = await sshWith(srv, [...srv.sshArgs({ login: user.name, options: ['-A'] }), script], {
      SSH_AUTH_SOCK: agentSock,
    });
    assert.equal(r.code, 0, r.err + r.out);
    const sock = /^sock=(\S+)$/m.exec(r.out)?.[1] ?? '';
    assert.match(sock, /\/agent\.sock$/, r.out);
    assert.match(r.out, /^711 root\n700 sshtrail-agent\n600 sshtrail-agent\n/m, r.out);
    assert.ok(r.out.includes(agentKeyFp), r.out);
    const ev = await srv.waitForEvents((e) => agentEvents(e).some((x) => x.action === 'closed'));
    const mine = agentEvents(ev);
    assert.deepEqual(
      mine.map((e) => e.action),
      ['granted', 'closed'],
    );
    assert.equal(mine[0]?.socket, sock);
    assert.equal(mine[1]?.connections, 2);
    assert.equal(mine[1]?.failed_connections, 0);
    assert.equal(existsSync(dirname(sock)), false, 'the session directory is removed');
    // Every event the server wrote validates against the schemas.
    execFileSync(process.execPath, [sshtrailBin, 'validate', join(srv.dataDir, 'events', 'audit.ndjson')]);
  });

  it('refused for a key with no-agent-forwarding, and for one with restrict', async () => {
    for (const option of ['no-agent-forwarding', 'restrict']) {
      const key = srv.newKey(`k-${option}`);
      srv.authorize(user.name, `${option} ${readFileSync(`${key}.pub`, 'utf8')}`);
      const before = agentEvents(srv.readEvents()).length;
      const r = await sshWith(
        srv,
        [
          ...srv.sshArgs({ login: user.name, identity: key, options: ['-A'] }),
          'echo "sock=$(printenv SSH_AUTH_SOCK || echo none)"',
        ],
        { SSH_AUTH_SOCK: agentSock },
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^sock=none$/m);
      const ev = await srv.waitForEvents((e) => agentEvents(e).length > before);
      assert.deepEqual(
        agentEvents(ev)
          .slice(before)
          .map((e) => [e.action, e.reason]),
        [['refused', 'key_option']],
        option,
      );
    }
    assert.match(srv.logs(), /agent forwarding refused: the key has no-agent-forwarding or restrict/);
  });

  it('refused with forwarding.agent false', async () => {
    const off = await startServer({ config: { forwarding: { agent: false } } });
    try {
      off.authorize(user.name, readFileSync(`${off.keyFile}.pub`, 'utf8'));
      const r = await sshWith(
        off,
        [
          ...off.sshArgs({ login: user.name, options: ['-A'] }),
          'echo "sock=$(printenv SSH_AUTH_SOCK || echo none)"',
        ],
        { SSH_AUTH_SOCK: agentSock },
      );
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^sock=none$/m);
      const ev = await off.waitForEvents((e) => agentEvents(e).length > 0);
      assert.deepEqual(
        agentEvents(ev).map((e) => [e.action, e.reason]),
        [['refused', 'config']],
      );
    } finally {
      await off.stop();
    }
  });

  it('a crashed server leaves no agent socket behind: the next start removes it', async () => {
    const first = await startServer();
    first.authorize(user.name, readFileSync(`${first.keyFile}.pub`, 'utf8'));
    const client = spawn(
      'ssh',
      [...first.sshArgs({ login: user.name, options: ['-A'] }), 'echo "$SSH_AUTH_SOCK"; exec sleep 1000'],
      { env: { ...process.env, SSH_AUTH_SOCK: agentSock }, stdio: ['pipe', 'pipe', 'ignore'] },
    );
    try {
      const [line] = (await once(client.stdout, 'data')) as [Buffer];
      const sock = line.toString().trim();
      assert.ok(existsSync(sock), sock);
      await first.stop('SIGKILL', { keepDir: true });
      assert.ok(existsSync(dirname(sock)), 'left by the crash');
      const again = await startServer({ dir: first.dir });
      try {
        await again.waitForEvents((e) =>
          e.some((x) => x.type === 'session.end' && x.reason === 'server_crash'),
        );
        assert.equal(existsSync(dirname(sock)), false, 'removed at the next start');
      } finally {
        await again.stop();
      }
    } finally {
      client.kill('SIGKILL');
    }
  });

  it('X11 forwarding is refused with a message to the client and a log line', async () => {
    const r = await sshWith(srv, [...srv.sshArgs({ login: user.name, options: ['-X'] }), 'echo ran'], {
      DISPLAY: ':0',
    });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'ran\n');
    assert.match(r.err, /X11 forwarding is not supported by sshtrail/);
    assert.match(srv.logs(), /X11 forwarding refused: not supported by sshtrail/);
  });
});

/** sshd's AllowAgentForwarding inside Match: off at the top level, on in one login's block. */
describe('agent forwarding in match blocks', {
  skip: isRoot ? false : 'needs root: logs in as test users',
}, () => {
  let srv: TestServer;
  let allowed: TestUser;
  let other: TestUser;
  let client: Awaited<ReturnType<typeof clientAgent>>;
  before(async () => {
    allowed = ensureUser('sshtrail-agent');
    other = ensureUser('sshtrail-agent2');
    srv = await startServer({
      config: {
        forwarding: { agent: false },
        match: [{ when: { user: [allowed.name] }, set: { forwarding: { agent: true } } }],
      },
    });
    for (const u of [allowed, other]) srv.authorize(u.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
    client = await clientAgent(srv);
  });
  after(async () => {
    client?.agent.kill();
    await srv?.stop();
    if (client) rmSync(client.dir, { recursive: true, force: true });
  });

  it("the block's login gets the agent; the other is refused by the top-level setting", async () => {
    const env = { SSH_AUTH_SOCK: client.agentSock };
    const script = 'ssh-add -l || echo "sock=$(printenv SSH_AUTH_SOCK || echo none)"';
    const yes = await sshWith(srv, [...srv.sshArgs({ login: allowed.name, options: ['-A'] }), script], env);
    assert.ok(yes.out.includes(client.agentKeyFp), yes.err + yes.out);
    const no = await sshWith(srv, [...srv.sshArgs({ login: other.name, options: ['-A'] }), script], env);
    assert.match(no.out, /^sock=none$/m, no.err + no.out);
    const ev = await srv.waitForEvents(
      (e) => agentEvents(e).filter((x) => x.action !== 'closed').length >= 2,
    );
    assert.deepEqual(
      agentEvents(ev)
        .filter((x) => x.action !== 'closed')
        .map((e) => [e.login, e.action, e.reason])
        .sort(),
      [
        [allowed.name, 'granted', undefined],
        [other.name, 'refused', 'config'],
      ],
    );
  });
});
