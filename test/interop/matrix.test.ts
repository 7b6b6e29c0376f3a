/**
 * The interop matrix: SSH clients nobody here wrote, each with every user-key type sshtrail
 * accepts, each doing what users do: one command (its output and a non-zero exit code) and an
 * interactive PTY shell (a command typed at the prompt, its output, exit). Every cell also finds
 * its session.start and session.end in the audit stream, with the key type the client signed
 * with: an RSA key must sign rsa-sha2-*, never SHA-1 ssh-rsa (which sshtrail refuses).
 *
 * Clients: OpenSSH ssh, PuTTY plink (key converted by puttygen), Dropbear dbclient (key converted
 * by dropbearconvert), Paramiko, AsyncSSH (drivers/*.py) and ssh2's own Client. The terminal
 * clients get a local PTY from drivers/pty_run.py (dbclient -t refuses to run without one).
 * One server and one test login serve every cell; cells run one after another.
 *
 * Before the ssh2 patch's PK_OK fix (patches/README.md) the dbclient and AsyncSSH RSA cells failed:
 * dbclient signed with ssh-rsa and was refused, AsyncSSH disconnected with "Key mismatch".
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import ssh2 from 'ssh2';
import { isRoot, needs } from '../helpers/privileged.js';
import { type EventRecord, repoRoot, startServer, type TestServer } from '../helpers/server.js';
import { ensureUser, type TestUser } from '../helpers/users.js';

type KeyType = 'ed25519' | 'ecdsa' | 'rsa';
type Mode = 'exec' | 'shell';

/** The key_type each key must authenticate as (ssh-keygen's ecdsa default is nistp256). */
const KEYS: { type: KeyType; signsAs: RegExp }[] = [
  { type: 'ed25519', signsAs: /^ssh-ed25519$/ },
  { type: 'ecdsa', signsAs: /^ecdsa-sha2-nistp256$/ },
  { type: 'rsa', signsAs: /^rsa-sha2-(256|512)$/ },
];

/** exec: its output and exit code are checked. shell: typed at the prompt, then the shell exits. */
const EXEC_COMMAND = 'echo matrix-$((6*7)); exit 3';
const EXEC_CODE = 3;
const SHELL_INPUT = 'echo matrix-$((6*7)); exit 5\n';
const SHELL_CODE = 5;
/** Only the command's own output: the typed line, echoed, shows `$((6*7))` instead. */
const OUTPUT = 'matrix-42';

const python = '/usr/bin/python3';
const drivers = join(repoRoot, 'test', 'interop', 'drivers');
const ptyRun = join(drivers, 'pty_run.py');
const LOGIN = 'sshtrail-matrix';

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  /** stdout (for a PTY: everything the terminal showed), CRs removed. */
  out: string;
  err: string;
}

/** Runs argv; never throws. Killed after `timeoutMs` (signal SIGKILL then). */
function run(
  argv: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const [file, ...args] = argv as [string, ...string[]];
    const c = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    c.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    c.stdin.on('error', () => {});
    c.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    c.on('error', (e) => {
      err += String(e);
    });
    c.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, out: out.replace(/\r/g, ''), err });
    });
  });
}

/** argv run on a local PTY, INPUT typed once the remote prompt shows. */
function inPty(argv: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return run([python, ptyRun, SHELL_INPUT, '--', ...argv], env ? { env } : {});
}

/** The program runs at all (some print their usage with a failing status). */
function installed(argv: string[]): boolean {
  return spawnSync(argv[0] as string, argv.slice(1), { stdio: 'ignore' }).error === undefined;
}

function pythonHas(module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/** ssh2's own client, in this process. */
function ssh2Run(srv: TestServer, key: string, mode: Mode): Promise<Run> {
  return new Promise((resolve) => {
    const conn = new ssh2.Client();
    let out = '';
    let err = '';
    let status: number | null = null;
    const finish = () => {
      conn.end();
      resolve({ status, signal: null, out: out.replace(/\r/g, ''), err });
    };
    const timer = setTimeout(() => {
      err += 'timed out';
      finish();
    }, 90_000);
    const onChannel = (e: Error | undefined, ch: ssh2.ClientChannel) => {
      if (e) {
        err += String(e);
        clearTimeout(timer);
        return finish();
      }
      let sent = mode === 'exec';
      ch.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        if (!sent && /[$#] /.test(out)) {
          sent = true;
          ch.write(SHELL_INPUT);
        }
      });
      ch.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      ch.on('exit', (code: number | null) => {
        status = code;
      });
      ch.on('close', () => {
        clearTimeout(timer);
        finish();
      });
      if (mode === 'exec') ch.end();
    };
    conn
      .on('ready', () => {
        if (mode === 'exec') conn.exec(EXEC_COMMAND, onChannel);
        else conn.shell({ term: 'xterm', cols: 80, rows: 24 }, onChannel);
      })
      .on('error', (e) => {
        err += String(e);
        status = 255;
        clearTimeout(timer);
        resolve({ status, signal: null, out, err });
      })
      .connect({ host: '127.0.0.1', port: srv.port, username: LOGIN, privateKey: readFileSync(key) });
  });
}

interface Client {
  name: string;
  /** Why the client cannot run here (not installed), or undefined. */
  missing(): string | undefined;
  /** The client's form of an OpenSSH private key, or why this client build cannot use one. */
  key(openssh: string, type: KeyType): { file: string } | { unsupported: string };
  exec(key: string): Promise<Run>;
  shell(key: string): Promise<Run>;
}

describe('interop matrix: clients x key types x exec and PTY shell', () => {
  let srv: TestServer;
  let user: TestUser;
  const keys = new Map<KeyType, string>();
  const fingerprints = new Map<KeyType, string>();
  let home = '';
  let hostFingerprint = '';
  const results: string[] = [];

  before(async () => {
    if (!isRoot) return;
    user = ensureUser(LOGIN);
    srv = await startServer();
    for (const { type } of KEYS) {
      const key = srv.newKey(`id_matrix_${type}`, type);
      srv.authorize(user.name, readFileSync(`${key}.pub`, 'utf8'));
      keys.set(type, key);
      const listed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${key}.pub`], {
        encoding: 'utf8',
      });
      fingerprints.set(type, String(listed.split(' ')[1]));
    }
    // HOME for the clients that keep state there (dbclient's known_hosts, PuTTY's cache).
    home = join(srv.dir, 'client-home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(srv.port), '127.0.0.1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    hostFingerprint = String(
      execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], {
        input: scanned,
        encoding: 'utf8',
      }).split(' ')[1],
    );
  });
  after(async () => {
    if (results.length) console.log(`interop matrix:\n${results.join('\n')}`);
    await srv?.stop();
  });

  const clientEnv = () => ({ ...process.env, HOME: home });
  const converted = (what: string, argv: string[], file: string) => {
    const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8' });
    return r.status === 0 ? { file } : { unsupported: `${what} cannot convert the key: ${r.stderr.trim()}` };
  };

  const clients: Client[] = [
    {
      name: 'OpenSSH ssh',
      missing: () => (installed(['ssh', '-V']) ? undefined : 'OpenSSH ssh is not installed'),
      key: (file) => ({ file }),
      exec: (key) => run(['ssh', ...srv.sshArgs({ identity: key, login: LOGIN }), EXEC_COMMAND]),
      shell: (key) => inPty(['ssh', ...srv.sshArgs({ identity: key, login: LOGIN, tty: true })]),
    },
    {
      name: 'PuTTY plink',
      missing: () =>
        installed(['plink', '-V']) && installed(['puttygen', '--version'])
          ? undefined
          : 'plink/puttygen (Debian putty-tools) are not installed; scripts/setup.sh --test installs them',
      key: (file) =>
        converted('puttygen', ['puttygen', file, '-O', 'private', '-o', `${file}.ppk`], `${file}.ppk`),
      exec: (key) =>
        run(
          ['plink', '-batch', '-T', '-hostkey', hostFingerprint, '-i', key, '-P', String(srv.port)].concat(
            `${LOGIN}@127.0.0.1`,
            EXEC_COMMAND,
          ),
          { env: clientEnv() },
        ),
      shell: (key) =>
        inPty(
          ['plink', '-batch', '-t', '-hostkey', hostFingerprint, '-i', key, '-P', String(srv.port)].concat(
            `${LOGIN}@127.0.0.1`,
          ),
          clientEnv(),
        ),
    },
    {
      name: 'Dropbear dbclient',
      missing: () =>
        installed(['dbclient', '-h']) && installed(['dropbearconvert'])
          ? undefined
          : 'dbclient (Debian dropbear-bin) is not installed; scripts/setup.sh --test installs it',
      key: (file) =>
        converted(
          'dropbearconvert',
          ['dropbearconvert', 'openssh', 'dropbear', file, `${file}.db`],
          `${file}.db`,
        ),
      exec: (key) =>
        run(['dbclient', '-y', '-i', key, '-p', String(srv.port), `${LOGIN}@127.0.0.1`, EXEC_COMMAND], {
          env: clientEnv(),
        }),
      shell: (key) =>
        inPty(['dbclient', '-t', '-y', '-i', key, '-p', String(srv.port), `${LOGIN}@127.0.0.1`], clientEnv()),
    },
    ...(['paramiko', 'asyncssh'] as const).map(
      (lib): Client => ({
        name: lib === 'paramiko' ? 'Paramiko' : 'AsyncSSH',
        missing: () =>
          pythonHas(lib) ? undefined : `python3-${lib} is not installed; scripts/setup.sh --test installs it`,
        key: (file) => ({ file }),
        exec: (key) =>
          run(
            [
              python,
              join(drivers, `${lib}_client.py`),
              '127.0.0.1',
              String(srv.port),
              LOGIN,
              key,
              'exec',
            ].concat(EXEC_COMMAND),
          ),
        shell: (key) =>
          run(
            [
              python,
              join(drivers, `${lib}_client.py`),
              '127.0.0.1',
              String(srv.port),
              LOGIN,
              key,
              'shell',
            ].concat(SHELL_INPUT),
          ),
      }),
    ),
    {
      name: 'ssh2 Client',
      missing: () => undefined,
      key: (file) => ({ file }),
      exec: (key) => ssh2Run(srv, key, 'exec'),
      shell: (key) => ssh2Run(srv, key, 'shell'),
    },
  ];

  /**
   * The session this cell made: the session.start of this key and kind not seen before the cell,
   * and its session.end.
   */
  async function sessionOf(
    seen: Set<unknown>,
    fingerprint: string,
    kind: Mode,
  ): Promise<{ start: EventRecord; end: EventRecord }> {
    const fresh = (events: EventRecord[]) =>
      events.find(
        (e) =>
          e.type === 'session.start' &&
          e.login === LOGIN &&
          e.kind === kind &&
          (e.user as { fingerprint?: string } | undefined)?.fingerprint === fingerprint &&
          !seen.has(e.session_id),
      );
    const events = await srv.waitForEvents((ev) => {
      const start = fresh(ev);
      return (
        start !== undefined && ev.some((e) => e.type === 'session.end' && e.session_id === start.session_id)
      );
    }, 30_000);
    const start = fresh(events) as EventRecord;
    const end = events.find(
      (e) => e.type === 'session.end' && e.session_id === start.session_id,
    ) as EventRecord;
    return { start, end };
  }

  for (const client of clients) {
    for (const { type, signsAs } of KEYS) {
      for (const mode of ['exec', 'shell'] as const) {
        const cell = `${client.name} / ${type} / ${mode}`;
        it(cell, { timeout: 180_000 }, async (t: TestContext) => {
          if (!needs(t, isRoot, 'the matrix logs in as a test user (needs root)')) return;
          const missing = client.missing();
          if (!needs(t, missing === undefined, String(missing))) return;
          const key = client.key(keys.get(type) as string, type);
          if ('unsupported' in key) {
            // This client build cannot use such a key at all: said, never silently passed.
            results.push(`  ${cell}: skipped (${key.unsupported})`);
            t.skip(key.unsupported);
            return;
          }
          const seen = new Set(srv.readEvents().map((e) => e.session_id));
          const r = mode === 'exec' ? await client.exec(key.file) : await client.shell(key.file);
          const said = `status ${r.status} signal ${r.signal}\nstdout: ${r.out}\nstderr: ${r.err}`;
          assert.equal(r.signal, null, `${cell} hung\n${said}`);
          if (mode === 'exec') {
            assert.equal(r.out, `${OUTPUT}\n`, said);
            assert.equal(r.status, EXEC_CODE, said);
          } else {
            // After the prompt's escape sequences: the echoed line has `$((6*7))`, not 42.
            assert.ok(r.out.includes(`${OUTPUT}\n`), said);
            assert.equal(r.status, SHELL_CODE, said);
          }
          const { start, end } = await sessionOf(seen, fingerprints.get(type) as string, mode);
          if (mode === 'shell') assert.equal(start.pty, true, JSON.stringify(start));
          else assert.equal(start.command, EXEC_COMMAND, JSON.stringify(start));
          const keyType = String((start.user as { key_type?: string } | undefined)?.key_type);
          assert.match(keyType, signsAs, JSON.stringify(start));
          assert.equal(end.exit_code, mode === 'exec' ? EXEC_CODE : SHELL_CODE, JSON.stringify(end));
          results.push(`  ${cell}: ok (${keyType})`);
        });
      }
    }
  }
});
