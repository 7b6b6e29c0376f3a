/**
 * Starts the real, built sshtrail server for a test and drives it with the real OpenSSH client.
 *
 *   const srv = await startServer();                 // 127.0.0.1:0, temp data dir, generated key
 *   const r = await srv.ssh(['echo hi']);            // { code, signal, stdout, stderr }
 *   const events = await srv.waitForEvents((e) => e.some((x) => x.type === 'session.end'));
 *   srv.writeConfig({ auth: { max_attempts: 1 } });   // rewrite the config file (then srv.signal('SIGHUP'))
 *   await srv.stop();                                 // SIGTERM, waits for exit, removes the temp dir
 *
 * The client key is authorized for the current user (root's login as root) through the config's
 * `auth.authorized_keys_file` pointing into the temp dir: ~/.ssh is never touched. Extra config
 * keys (`enhanced_recording`, `sinks`, ...) go in `config`. Sessions get SHLVL=1 from the client
 * (allowed by the test config) so that bash skips ~/.bashrc, which on these machines runs a slow
 * `pyenv init`; pass `skipBashrc: false` to keep the real start-up. 127.0.0.1 is exempt from
 * pre-auth penalties (`auth.penalties.exempt`); `ssh -b 127.0.0.2` connects from another source.
 */
import { type ChildProcess, type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const sshtrailBin = join(repoRoot, 'bin', 'sshtrail');

export interface StartOptions {
  /** Extra config keys, merged over the test defaults (deep for plain objects). */
  config?: Record<string, unknown>;
  /** Extra arguments to `sshtrail serve`. */
  args?: string[];
  /** Give sessions SHLVL=1 so bash skips ~/.bashrc (default true). */
  skipBashrc?: boolean;
  /** How long to wait for the listening line (default 30 s). */
  startTimeoutMs?: number;
  /** A command the server runs under, e.g. ['unshare', '-m', '--', 'sh', '-c', '...; exec "$@"', 'sh']. */
  wrap?: string[];
  /** Descriptors the server inherits from 3 on (as one started from inside a session would). */
  inheritFds?: number[];
  /** Environment variables for the server, over the test's own (e.g. a PATH with shims first). */
  env?: Record<string, string>;
  /** Start on a stopped server's temp dir (kept by stop(..., { keepDir: true })): a restart. */
  dir?: string;
  /** Called with the data dir's path before the server starts (e.g. to mount a small tmpfs there). */
  beforeStart?: (dataDir: string) => void;
}

export interface SshOptions {
  /** Written to the client's stdin, then EOF. Without it stdin is empty (EOF at once). */
  input?: string | Buffer;
  /** Request a PTY (`-tt`). */
  tty?: boolean;
  /** Log in as this login (default: the current user). */
  login?: string;
  /** Use this private key instead of the authorized one. */
  identity?: string;
  /** Kill the client after this long (default 60 s); the result then has signal 'SIGKILL'. */
  timeoutMs?: number;
  /** Environment sent with SetEnv (the server accepts LANG, LC_* and, here, SHLVL). */
  env?: Record<string, string>;
  /** Extra `-o` style options, e.g. ['-o', 'Ciphers=aes128-ctr'] (not SetEnv: use env). */
  options?: string[];
}

export interface SshResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export type EventRecord = Record<string, unknown> & { type: string };

export interface TestServer {
  host: string;
  port: number;
  /** Temp dir holding everything (data dir, keys, config); removed by stop(). */
  dir: string;
  dataDir: string;
  login: string;
  /** The authorized private key. */
  keyFile: string;
  /** authorized_keys file pattern (`<dir>/authorized_keys/%u`); authorize(login, pub) adds to it. */
  authorize(login: string, publicKey: string): void;
  /** Generates a new key pair in the temp dir; returns the private key's path (public: + '.pub'). */
  newKey(name: string, type?: 'ed25519' | 'ecdsa' | 'rsa'): string;
  /** The full OpenSSH argument list for `ssh` (without the remote command). */
  sshArgs(opts?: SshOptions): string[];
  ssh(command: string[], opts?: SshOptions): Promise<SshResult>;
  /** Events written so far to <data dir>/events/audit.ndjson. */
  readEvents(): EventRecord[];
  /** Polls readEvents() until `done(events)` holds (default timeout 15 s; throws on timeout). */
  waitForEvents(done: (events: EventRecord[]) => boolean, timeoutMs?: number): Promise<EventRecord[]>;
  /** The server's stderr (logs) so far. */
  logs(): string;
  /** Polls logs() until `re` matches (default timeout 15 s; throws on timeout). */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  /** The config file the server was started with. */
  configFile: string;
  /**
   * Rewrites the config file: the test defaults merged with `config` (as `startServer`'s), or
   * `text` as it is (a broken file). The running server reads it on SIGHUP.
   */
  writeConfig(config: Record<string, unknown> | string): void;
  /** Sends a signal to the server (it keeps running unless the signal stops it). */
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` (default SIGTERM), waits for exit (15 s, then SIGKILL), removes the temp dir. */
  stop(
    signal?: NodeJS.Signals,
    opts?: { keepDir?: boolean },
  ): Promise<{ code: number | null; signal: string | null }>;
  readonly process: ChildProcess;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : v;
  return out;
}

export function generateKey(path: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519'): string {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '3072'] : []),
    '-N',
    '',
    '-C',
    'test',
    '-f',
    path,
  ]);
  return path;
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sshtrail-test-'));
  const dataDir = join(dir, 'data');
  const keysDir = join(dir, 'authorized_keys');
  const login = userInfo().username;
  const keyFile = join(dir, 'id_ed25519');
  const authorize = (who: string, publicKey: string) => {
    const file = join(keysDir, who);
    let prev = '';
    try {
      prev = readFileSync(file, 'utf8');
    } catch {}
    writeFileSync(file, `${prev}${publicKey.trim()}\n`, { mode: 0o600 });
  };
  if (!opts.dir) {
    mkdirSync(keysDir, { mode: 0o700 });
    generateKey(keyFile);
    authorize(login, readFileSync(`${keyFile}.pub`, 'utf8'));
  }

  opts.beforeStart?.(dataDir);
  const skipBashrc = opts.skipBashrc ?? true;
  const base: Record<string, unknown> = {
    // StrictModes off: the keys live below /tmp, a world-writable directory that sshd's check
    // (and so sshtrail's) refuses. Tests of StrictModes turn it on with keys in a real home.
    // Tests fail logins on purpose, one after another, from 127.0.0.1: exempt from penalties so
    // they do not lock each other out. Tests of penalties connect from 127.0.0.2 and up.
    auth: {
      authorized_keys_file: join(keysDir, '%u'),
      strict_modes: false,
      penalties: { exempt: ['127.0.0.1'] },
    },
    session: { env_allow: skipBashrc ? ['LANG', 'LC_*', 'SHLVL'] : ['LANG', 'LC_*'] },
  };
  const configFile = join(dir, 'sshtrail.yaml');
  const writeConfig = (extra: Record<string, unknown> | string) =>
    // JSON is YAML.
    writeFileSync(
      configFile,
      typeof extra === 'string' ? extra : JSON.stringify(merge(base, extra), null, 2),
    );
  writeConfig(opts.config ?? {});

  const [file, ...prefix] = [...(opts.wrap ?? []), process.execPath];
  const child = spawn(
    file as string,
    [
      ...prefix,
      sshtrailBin,
      'serve',
      '--config',
      configFile,
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      ...(opts.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe', ...(opts.inheritFds ?? [])],
      ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    },
  ) as ChildProcessByStdio<null, Readable, Readable>;
  // A test process that dies must not leave its server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sshtrail did not start in time; stderr:\n${stderr}`));
    }, opts.startTimeoutMs ?? 30000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /^sshtrail listening on 127\.0\.0\.1:(\d+)$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sshtrail exited (${code ?? signal}) before listening; stderr:\n${stderr}`));
    });
  });
  const knownHosts = join(dir, 'known_hosts');
  const eventsFile = join(dataDir, 'events', 'audit.ndjson');

  const setEnv = (o: SshOptions): string[] => {
    const env = { ...(skipBashrc ? { SHLVL: '1' } : {}), ...o.env };
    const list = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    // ssh uses the first SetEnv it sees: one option carries them all.
    return list.length ? ['-o', `SetEnv=${list.join(' ')}`] : [];
  };
  const sshArgs = (o: SshOptions = {}): string[] => [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    'LogLevel=ERROR',
    '-i',
    o.identity ?? keyFile,
    '-p',
    String(port),
    ...setEnv(o),
    ...(o.tty ? ['-tt'] : ['-T']),
    ...(o.options ?? []),
    `${o.login ?? login}@127.0.0.1`,
  ];

  const readEvents = (): EventRecord[] => {
    let text = '';
    try {
      text = readFileSync(eventsFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as EventRecord);
  };

  return {
    host: '127.0.0.1',
    port,
    dir,
    dataDir,
    login,
    keyFile,
    authorize,
    newKey: (name, type = 'ed25519') => generateKey(join(dir, name), type),
    sshArgs,
    process: child,
    logs: () => stderr,
    async waitForLog(re, timeoutMs = 15000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(stderr)) {
        if (Date.now() > until) throw new Error(`log line ${re} not seen in time; stderr:\n${stderr}`);
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`sshtrail exited (${child.exitCode ?? child.signalCode}); stderr:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    configFile,
    writeConfig,
    signal: (sig) => {
      child.kill(sig);
    },
    readEvents,
    async waitForEvents(done, timeoutMs = 15000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const ev = readEvents();
        if (done(ev)) return ev;
        if (Date.now() > until)
          throw new Error(`events not seen in time; got:\n${ev.map((e) => JSON.stringify(e)).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    ssh(command, o = {}) {
      return new Promise((resolveRun) => {
        const c = spawn('ssh', [...sshArgs(o), ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        let err = '';
        c.stdout.on('data', (d: Buffer) => out.push(d));
        c.stderr.setEncoding('utf8').on('data', (d: string) => {
          err += d;
        });
        c.stdin.on('error', () => {});
        c.stdin.end(o.input ?? '');
        const timer = setTimeout(() => c.kill('SIGKILL'), o.timeoutMs ?? 60000);
        c.on('close', (code, signal) => {
          clearTimeout(timer);
          resolveRun({ code, signal, stdout: Buffer.concat(out), stderr: err });
        });
      });
    },
    async stop(signal = 'SIGTERM', so = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
      const [code, sig] = await exited;
      clearTimeout(kill);
      if (!so.keepDir) rmSync(dir, { recursive: true, force: true });
      return { code, signal: sig };
    },
  };
}
