/**
 * The two servers the SSH benchmarks compare, started side by side in one temp dir: OpenSSH's sshd
 * on a loopback port with its own config, host key and authorized keys (not the system service),
 * and sshtrail from this checkout. Both use the same client settings: one key exchange
 * (curve25519-sha256) and one cipher (chacha20-poly1305, or BENCH_SSH_CIPHER, e.g.
 * aes128-gcm@openssh.com), so the figures compare servers only.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one cipher both servers and the client use. */
export const benchCipher = process.env.BENCH_SSH_CIPHER ?? 'chacha20-poly1305@openssh.com';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchDir {
  dir: string;
  /** The client's private key (ed25519), authorized for every login on both servers. */
  key: string;
  hostKey: string;
  authorized: string;
  remove(): void;
}

/**
 * A temp dir with a client key, a host key and an authorized_keys file. Readable by every user
 * (sshd reads a login's authorized keys as that login), the private keys excepted.
 */
export function benchDir(): BenchDir {
  const dir = mkdtempSync(join(tmpdir(), 'sshtrail-bench-'));
  chmodSync(dir, 0o755);
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const authorized = join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${key}.pub`), { mode: 0o644 });
  return { dir, key, hostKey, authorized, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export function waitForLine(
  child: ChildProcess,
  stream: 'stdout' | 'stderr',
  re: RegExp,
  ms = 30_000,
): Promise<RegExpExecArray> {
  return new Promise((res, rej) => {
    let text = '';
    const t = setTimeout(() => rej(new Error(`timeout waiting for ${re}: ${text}`)), ms);
    child[stream]?.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      const m = re.exec(text);
      if (m) {
        clearTimeout(t);
        res(m);
      }
    });
    child.once('exit', (c) => rej(new Error(`exited ${c}: ${text}`)));
  });
}

export interface Running {
  port: number;
  proc: ChildProcess;
}

/** sshd as a benchmark peer; `extra` lines are appended to its config (e.g. MaxStartups). */
export async function startSshd(
  b: BenchDir,
  extra: string[] = [],
  opts: { detached?: boolean } = {},
): Promise<Running> {
  const port = await freePort();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const cfg = join(b.dir, 'sshd_config');
  writeFileSync(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${b.hostKey}`,
      `PidFile ${join(b.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${b.authorized}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin yes',
      'AcceptEnv SHLVL',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'KexAlgorithms curve25519-sha256',
      `Ciphers ${benchCipher}`,
      ...extra,
      '',
    ].join('\n'),
  );
  const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: opts.detached ?? false,
  });
  await waitForLine(proc, 'stderr', /Server listening on 127\.0\.0\.1/);
  return { port, proc };
}

/** sshtrail from this checkout with recording on (its default); `config` is merged into its config. */
export async function startSshtrail(
  b: BenchDir,
  config: Record<string, unknown> = {},
  opts: { detached?: boolean; name?: string } = {},
): Promise<Running & { dataDir: string }> {
  // A name of its own gives a second server in the same bench dir its own data dir and config.
  const name = opts.name ?? 'sshtrail';
  const dataDir = join(b.dir, `${name}-data`);
  const cfg = join(b.dir, `${name}.yaml`);
  const { auth, session, ...rest } = config as { auth?: object; session?: object };
  writeFileSync(
    cfg,
    JSON.stringify({
      ...rest,
      // The keys file lives under /tmp (world-writable), so StrictModes is off on both servers.
      auth: { authorized_keys_file: b.authorized, strict_modes: false, ...auth },
      session: { env_allow: ['LANG', 'LC_*', 'SHLVL'], ...session },
    }),
  );
  const proc = spawn(
    process.execPath,
    [
      join(root, 'bin', 'sshtrail'),
      'serve',
      '--config',
      cfg,
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: opts.detached ?? false },
  );
  const m = await waitForLine(proc, 'stdout', /sshtrail listening on 127\.0\.0\.1:(\d+)/);
  return { port: Number(m[1]), proc, dataDir };
}

export interface SshOptions {
  tty?: boolean;
  /** Default: the user running the benchmark. */
  login?: string;
  /** ssh's ConnectTimeout (seconds), which also bounds the banner exchange. */
  connectTimeout?: number;
  /** SHLVL=1 from the client makes root's ~/.bashrc skip its slow start-up; default true. */
  quietShell?: boolean;
}

export function sshArgs(b: BenchDir, port: number, command: string, o: SshOptions = {}): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-i',
    b.key,
    '-o',
    `UserKnownHostsFile=${join(b.dir, 'known_hosts')}`,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'KexAlgorithms=curve25519-sha256',
    '-o',
    `Ciphers=${benchCipher}`,
    ...(o.quietShell === false ? [] : ['-o', 'SetEnv=SHLVL=1']),
    ...(o.connectTimeout ? ['-o', `ConnectTimeout=${o.connectTimeout}`] : []),
    o.tty ? '-tt' : '-T',
    '-p',
    String(port),
    `${o.login ?? process.env.USER ?? 'root'}@127.0.0.1`,
    command,
  ];
}

/** Stops the servers and waits for them to exit. */
export async function stopAll(procs: ChildProcess[]): Promise<void> {
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(
    procs.map((p) => new Promise((r) => (p.exitCode !== null || p.signalCode ? r(0) : p.once('exit', r)))),
  );
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) : Number.NaN;
};
