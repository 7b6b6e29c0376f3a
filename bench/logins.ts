/**
 * Logins under load: N clients (default 200) log in at the same moment and each runs a short
 * command, against OpenSSH's sshd and sshtrail side by side, as root (whose ~/.bashrc start-up
 * runs: the client sends no SHLVL) and as a non-root login. Both servers' connection limits are
 * raised above N and per-source limits lifted (every client is 127.0.0.1; sshd: MaxStartups;
 * sshtrail: auth.max_unauthenticated, early_drop, per_source, penalties, session.max_total), so
 * what is measured is whether each server gets every login through, not its limit policy. Both
 * servers lead their own session (as a systemd service does), so each is scheduled as one peer of
 * the sessions' own autogroups rather than sharing the benchmark's.
 * Prints, per server and login: served/N, failures by kind, median and p95 login time, and the
 * sshtrail/OpenSSH ratio of the medians.
 * Env: BENCH_LOGINS (N, default 200), BENCH_LOGINS_COMMAND (default `sleep 2`), BENCH_LOGINS_TIMEOUT
 * (ssh ConnectTimeout in seconds, which bounds the banner exchange; default 10).
 */
import { execFileSync, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import {
  type BenchDir,
  benchDir,
  median,
  percentile,
  sshArgs,
  startSshd,
  startSshtrail,
  stopAll,
} from './servers.js';

const n = Number(process.env.BENCH_LOGINS ?? 200);
const command = process.env.BENCH_LOGINS_COMMAND ?? 'sleep 2';
const timeout = Number(process.env.BENCH_LOGINS_TIMEOUT ?? 10);
const progress = (s: string) => process.stderr.write(`bench logins: ${s}\n`);
const nonRoot = 'sshtrail-bench';

interface Outcome {
  ms: number;
  ok: boolean;
  why: string;
}

function login(b: BenchDir, port: number, user: string): Promise<Outcome> {
  const t0 = process.hrtime.bigint();
  return new Promise((res) => {
    const c = spawn(
      'ssh',
      sshArgs(b, port, command, { login: user, connectTimeout: timeout, quietShell: false }),
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // The kind of failure, without addresses and ports, so equal failures count together.
      const why =
        err
          .trim()
          .split('\n')
          .pop()
          ?.replace(/\d+\.\d+\.\d+\.\d+( port \d+)?/g, 'HOST') ?? '';
      res({ ms, ok: code === 0, why: code === 0 ? '' : why || `exit ${code}` });
    });
  });
}

async function burst(b: BenchDir, port: number, user: string): Promise<Outcome[]> {
  return Promise.all(Array.from({ length: n }, () => login(b, port, user)));
}

function ensureBenchUser(): void {
  try {
    execFileSync('getent', ['passwd', nonRoot], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', '--user-group', nonRoot]);
  }
  // useradd leaves the password locked ('!'), and sshd without PAM refuses every login of a locked
  // account, keys included; '*' is "no password" without the lock.
  execFileSync('usermod', ['-p', '*', nonRoot]);
}

function summary(server: string, user: string, r: Outcome[]): { line: string; medianMs: number } {
  const ok = r.filter((x) => x.ok);
  const kinds = new Map<string, number>();
  for (const x of r) if (!x.ok) kinds.set(x.why, (kinds.get(x.why) ?? 0) + 1);
  const fails = [...kinds].map(([k, c]) => `${c}x ${k}`).join('; ');
  const ms = ok.map((x) => x.ms);
  const medianMs = median(ms);
  const line = `${server.padEnd(8)} ${user.padEnd(15)} served ${String(ok.length).padStart(3)}/${n}  median ${medianMs.toFixed(0).padStart(6)} ms  p95 ${percentile(ms, 95).toFixed(0).padStart(6)} ms${fails ? `  failed: ${fails}` : ''}`;
  return { line, medianMs };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (logs in as root and as a second user)');
  ensureBenchUser();
  const b = benchDir();
  const sshd = await startSshd(b, [`MaxStartups ${n * 2}`, `MaxSessions ${n * 2}`], { detached: true });
  const trail = await startSshtrail(
    b,
    {
      auth: {
        max_unauthenticated: n * 2,
        early_drop: { start: n * 2 },
        per_source: { max_unauthenticated: 0 },
        penalties: { exempt: ['127.0.0.1'] },
      },
      session: { max_total: n * 2 },
    },
    { detached: true },
  );
  const out: string[] = [];
  const broken: string[] = [];
  const loadBefore = loadavg()[0]?.toFixed(2);
  try {
    for (const user of ['root', nonRoot]) {
      const medians: Record<string, number> = {};
      for (const [name, port] of [
        ['OpenSSH', sshd.port],
        ['sshtrail', trail.port],
      ] as const) {
        progress(`${n} concurrent logins as ${user} to ${name}`);
        const r = await burst(b, port, user);
        const s = summary(name, user, r);
        out.push(s.line);
        // None through is a broken set-up (keys, config), not a figure: fail the bench loudly.
        if (!r.some((x) => x.ok)) broken.push(`${name} as ${user}: ${r[0]?.why ?? 'no logins'}`);
        medians[name] = s.medianMs;
        // Let the previous burst's sessions finish and the load settle.
        await new Promise((r) => setTimeout(r, 3000));
      }
      out.push(
        `${''.padEnd(24)} median ratio sshtrail/OpenSSH ${((medians.sshtrail ?? 0) / (medians.OpenSSH ?? 1)).toFixed(2)}`,
      );
    }
    out.push(
      `command '${command}', ConnectTimeout ${timeout} s; load average before ${loadBefore} (2 cores)`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
    if (broken.length) throw new Error(`no login got through: ${broken.join('; ')}`);
  } finally {
    await stopAll([sshd.proc, trail.proc]);
    b.remove();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench logins: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
