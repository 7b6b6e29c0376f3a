/**
 * A host's other tools see sshtrail's logins as they see sshd's: a PTY session is in `who` while
 * it runs, with its terminal, login and client address, and in wtmp (`last`) and lastlog with its
 * logout afterwards, also when the server was killed and the next start closed it; a session
 * without a terminal writes no utmp records (as sshd). Every session's processes carry the
 * login's uid as their audit loginuid, and session.start carries the kernel's audit session id.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoot } from '../helpers/privileged.js';
import { type EventRecord, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

interface UtRecord {
  type: number;
  pid: number;
  user: string;
  line: string;
  host: string;
}

/** The records of a utmp or wtmp file, as utmpdump prints them. */
function utmpRecords(file: string): UtRecord[] {
  const out = execFileSync('utmpdump', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const recs: UtRecord[] = [];
  for (const line of out.split('\n')) {
    const f = [...line.matchAll(/\[([^\]]*)\]/g)].map((m) => (m[1] ?? '').trim());
    if (f.length < 8) continue;
    recs.push({
      type: Number(f[0]),
      pid: Number(f[1]),
      user: f[3] ?? '',
      line: f[4] ?? '',
      host: f[5] ?? '',
    });
  }
  return recs;
}

const USER_PROCESS = 7;
const DEAD_PROCESS = 8;

describe('host login records', {
  skip: isRoot ? false : 'needs root: utmp, loginuid',
  timeout: 120_000,
}, () => {
  let srv: TestServer;
  let user: TestUser;
  let madeUtmp = false;

  before(async () => {
    // systemd-tmpfiles creates /run/utmp at boot; a container or this VM may lack it, and glibc
    // (like sshd) never creates it.
    if (!existsSync('/run/utmp')) {
      closeSync(openSync('/run/utmp', 'a', 0o664));
      try {
        chownSync(
          '/run/utmp',
          0,
          Number(execFileSync('getent', ['group', 'utmp'], { encoding: 'utf8' }).split(':')[2]),
        );
      } catch {}
      madeUtmp = true;
    }
    user = ensureUser('sshtrail-utmp');
    srv = await startServer();
    srv.authorize(user.name, readFileSync(`${srv.keyFile}.pub`, 'utf8'));
  });
  after(async () => {
    await srv.stop();
    if (madeUtmp) rmSync('/run/utmp', { force: true });
  });

  const starts = (ev: EventRecord[]) => ev.filter((e) => e.type === 'session.start' && e.login === user.name);

  it('a PTY login is in who while it runs, in last and lastlog with its logout after; loginuid and audit session id', async () => {
    const wtmpBefore = utmpRecords('/var/log/wtmp').length;
    const r = await srv.ssh(
      ['echo L=$(cat /proc/self/loginuid) S=$(cat /proc/self/sessionid) T=$(tty); who; echo W-END'],
      { login: user.name, tty: true },
    );
    assert.equal(r.code, 0, r.stderr);
    const out = String(r.stdout);
    const m = /L=(\d+) S=(\d+) T=\/dev\/(pts\/\d+)/.exec(out);
    assert.ok(m, out);
    const [, loginuid, sessionid, line] = m as unknown as [string, string, string, string];
    assert.equal(Number(loginuid), user.uid);
    // who, run inside the session: its own terminal, login and client address.
    const who = out.slice(out.indexOf('\n'), out.indexOf('W-END'));
    assert.match(who, new RegExp(`^${user.name}\\s+${line}\\s.*\\(127\\.0\\.0\\.1\\)`, 'm'), out);

    const ev = await srv.waitForEvents((e) =>
      e.some((x) => x.type === 'session.end' && x.login === user.name),
    );
    const start = starts(ev).at(-1);
    assert.equal(start?.audit_session_id, Number(sessionid), JSON.stringify(start));

    // The end: out of utmp (who), a logout in wtmp after the login.
    const wtmp = utmpRecords('/var/log/wtmp').slice(wtmpBefore);
    const login = wtmp.findIndex((x) => x.type === USER_PROCESS && x.user === user.name && x.line === line);
    assert.ok(login >= 0, JSON.stringify(wtmp));
    assert.equal(wtmp[login]?.host, '127.0.0.1');
    assert.ok(
      wtmp.slice(login + 1).some((x) => x.type === DEAD_PROCESS && x.line === line),
      `no logout in wtmp: ${JSON.stringify(wtmp)}`,
    );
    assert.ok(!utmpRecords('/run/utmp').some((x) => x.type === USER_PROCESS && x.user === user.name));
    const last = execFileSync('last', ['-w', '-i', user.name], { encoding: 'utf8' });
    assert.match(last, new RegExp(`^${user.name}\\s+${line}\\s+127\\.0\\.0\\.1\\s`, 'm'), last);
    assert.doesNotMatch(last.split('\n')[0] ?? '', /still logged in/);
    const lastlog = execFileSync('lastlog', ['-u', user.name], { encoding: 'utf8' });
    assert.match(lastlog, new RegExp(`${user.name}\\s+${line}\\s+127\\.0\\.0\\.1`), lastlog);
  });

  it('a session without a terminal sets the loginuid too, and writes no utmp record (as sshd)', async () => {
    const wtmpBefore = utmpRecords('/var/log/wtmp').length;
    const r = await srv.ssh(['echo L=$(cat /proc/self/loginuid) S=$(cat /proc/self/sessionid)'], {
      login: user.name,
    });
    assert.equal(r.code, 0, r.stderr);
    const m = /L=(\d+) S=(\d+)/.exec(String(r.stdout));
    assert.ok(m);
    assert.equal(Number(m[1]), user.uid);
    const ev = await srv.waitForEvents((e) => starts(e).some((s) => s.audit_session_id === Number(m[2])));
    assert.ok(ev);
    assert.deepEqual(
      utmpRecords('/var/log/wtmp')
        .slice(wtmpBefore)
        .filter((x) => x.user === user.name),
      [],
    );
  });

  it('a PTY login a killed server left open is logged out by the next start', async () => {
    const first = await startServer();
    first.authorize(user.name, readFileSync(`${first.keyFile}.pub`, 'utf8'));
    const dir = first.dir;
    const c = spawn('ssh', [...first.sshArgs({ tty: true, login: user.name }), 'tty; exec sleep 1000'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    try {
      let out = '';
      c.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      for (let i = 0; i < 400 && !/\/dev\/pts\/\d+/.test(out); i++) await sleep(50);
      const line = /\/dev\/(pts\/\d+)/.exec(out)?.[1];
      assert.ok(line, out);
      const isLoggedIn = () =>
        utmpRecords('/run/utmp').some(
          (x) => x.type === USER_PROCESS && x.user === user.name && x.line === line,
        );
      assert.ok(isLoggedIn(), 'not in utmp while it runs');
      await first.stop('SIGKILL', { keepDir: true });
      assert.ok(isLoggedIn(), 'the crash ended the utmp login by itself');
      const wtmpBefore = utmpRecords('/var/log/wtmp').length;
      const again = await startServer({ dir });
      try {
        // The logout is written before the crashed session's session.end.
        await again.waitForEvents((e) =>
          e.some((x) => x.type === 'session.end' && x.reason === 'server_crash'),
        );
        assert.equal(isLoggedIn(), false, 'still in utmp after the restart');
        const wtmp = utmpRecords('/var/log/wtmp').slice(wtmpBefore);
        // The logout is in wtmp, unless the terminal was meanwhile given to another login (tests
        // running beside this one: a tmux pane): that login's record is then left alone, by design.
        const reused = utmpRecords('/run/utmp').some(
          (x) => x.type === USER_PROCESS && x.line === line && x.user !== user.name,
        );
        assert.ok(
          reused || wtmp.some((x) => x.type === DEAD_PROCESS && x.line === line),
          JSON.stringify(wtmp),
        );
      } finally {
        await again.stop();
      }
    } finally {
      c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Started from a login shell, the server has a loginuid of its own (0 here).
  const asLoggedIn = `echo 0 > /proc/self/loginuid || exit 99`;

  it("a server with a loginuid of its own still gives each session the login's", async () => {
    const own = await startServer({ wrap: ['sh', '-c', `${asLoggedIn}; exec "$@"`, 'sh'] });
    try {
      own.authorize(user.name, readFileSync(`${own.keyFile}.pub`, 'utf8'));
      const r = await own.ssh(['echo L=$(cat /proc/self/loginuid) S=$(cat /proc/self/sessionid)'], {
        login: user.name,
      });
      const m = /L=(\d+) S=(\d+)/.exec(String(r.stdout));
      assert.ok(m, r.stderr);
      assert.equal(Number(m[1]), user.uid);
      await own.waitForEvents((e) => starts(e).some((s) => s.audit_session_id === Number(m[2])));
    } finally {
      await own.stop();
    }
  });

  it('where the loginuid cannot be set, it says so once and sessions go on without an audit session id', async () => {
    // Without CAP_AUDIT_CONTROL a set loginuid is as good as immutable (audit=1 loginuid_immutable).
    const own = await startServer({
      wrap: ['sh', '-c', `${asLoggedIn}; exec setpriv --bounding-set -audit_control "$@"`, 'sh'],
    });
    try {
      own.authorize(user.name, readFileSync(`${own.keyFile}.pub`, 'utf8'));
      for (let i = 0; i < 2; i++) {
        const r = await own.ssh(['cat', '/proc/self/loginuid'], { login: user.name });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(String(r.stdout), '0');
      }
      const ev = await own.waitForEvents((e) => starts(e).length === 2);
      for (const s of starts(ev)) assert.equal(s.audit_session_id, undefined);
      assert.equal(own.logs().match(/cannot set the audit loginuid of sessions/g)?.length, 1, own.logs());
    } finally {
      await own.stop();
    }
  });
});
