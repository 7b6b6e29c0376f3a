/**
 * SFTP through sshtrail against OpenSSH's sshd, side by side in one run: the same sftp client,
 * key exchange and cipher (see servers.ts), both serving the subsystem with Debian's sftp-server.
 * sshtrail audits the stream (session.sftp with the file's sha256), as by default. Uploads and
 * downloads one file of BENCH_SFTP_MB MiB (default 1024, the issue's 1 GiB) with `sftp -b`;
 * best of BENCH_SFTP_RUNS (default 2) per direction. Prints sshtrail/OpenSSH ratios (target >= 0.9).
 * strict_modes off for sshtrail: the bench keys live below /tmp (world-writable), as sshd's StrictModes no.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDir, sshArgs, startSshd, startSshtrail, stopAll } from './servers.js';

const mb = Number(process.env.BENCH_SFTP_MB ?? 1024);
const runs = Number(process.env.BENCH_SFTP_RUNS ?? 2);
const progress = (s: string) => process.stderr.write(`bench sftp: ${s}\n`);
const b = benchDir();
const sftpServer = '/usr/lib/openssh/sftp-server';

/** sftp's options from the shared ssh arguments: everything but -T, the port and the destination. */
function sftpArgs(port: number): string[] {
  const args = sshArgs(b, port, '');
  const out: string[] = [];
  for (let i = 0; i < args.length - 2; i++) {
    const a = args[i] as string;
    if (a === '-p') i++;
    else if (a !== '-T' && a !== '-tt') out.push(a);
  }
  return [...out, '-P', String(port), '-b', '-', args[args.length - 2] as string];
}

function sftp(port: number, batch: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((res, rej) => {
    const c = spawn('sftp', sftpArgs(port), { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.stdin.end(`${batch}\n`);
    c.on('close', (code) => {
      if (code !== 0) return rej(new Error(`sftp -P ${port}: exit ${code}: ${err}`));
      res(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

function makeFile(path: string): void {
  // Random-looking but cheap: a 1 MiB pattern repeated (no compression is in play).
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const fd = openSync(path, 'w');
  for (let i = 0; i < mb; i++) writeSync(fd, chunk);
  closeSync(fd);
}

async function main(): Promise<void> {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const src = join(b.dir, 'src.bin');
  const dst = join(b.dir, 'dst.bin');
  makeFile(src);
  const sshd = await startSshd(b, [`Subsystem sftp ${sftpServer}`]);
  const trail = await startSshtrail(b, { auth: { strict_modes: false } });
  try {
    progress(`sshd on ${sshd.port}, sshtrail on ${trail.port}; ${mb} MiB, best of ${runs}`);
    const best = { up: { sshd: Infinity, trail: Infinity }, down: { sshd: Infinity, trail: Infinity } };
    for (let i = 0; i < runs; i++) {
      for (const [who, port] of [
        ['sshd', sshd.port],
        ['trail', trail.port],
      ] as const) {
        best.up[who] = Math.min(best.up[who], await sftp(port, `put ${src} ${dst}`));
        rmSync(dst, { force: true });
        best.down[who] = Math.min(best.down[who], await sftp(port, `get ${src} ${dst}`));
        rmSync(dst, { force: true });
      }
      progress(`run ${i + 1} done`);
    }
    const rate = (ms: number) => (mb / ms) * 1000;
    const line = (name: string, d: { sshd: number; trail: number }) =>
      `${name.padEnd(28)} OpenSSH ${`${rate(d.sshd).toFixed(0)} MB/s`.padStart(10)}  sshtrail ${`${rate(d.trail).toFixed(0)} MB/s`.padStart(10)}  ratio ${(d.sshd / d.trail).toFixed(2)} (target >= 0.9)`;
    const out = [line(`sftp put ${mb}M`, best.up), line(`sftp get ${mb}M`, best.down)];
    out.push(`load average before ${loadBefore}, after ${load()} (2 cores)`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stopAll([sshd.proc, trail.proc]);
    b.remove();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sftp: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
