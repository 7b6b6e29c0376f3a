/**
 * sshtrail against OpenSSH's sshd, side by side in one run, with the same client, key exchange
 * (curve25519-sha256), cipher (chacha20-poly1305) and shell start-up (SHLVL=1 from the client,
 * so root's ~/.bashrc with its slow `pyenv init` runs for neither). sshd runs on a loopback port
 * with its own config, host key and authorized keys in a temp dir (not the system service).
 * Recording is on for sshtrail (its default). Prints sshtrail/OpenSSH ratios:
 *   set-up latency `ssh host true` (median; lower is better, target <= 1.5)
 *   exec throughput `head -c SIZE /dev/zero` (best of runs; target >= 0.9)
 *   PTY throughput `yes | head -c SIZE` under -tt (best of runs; target >= 0.9)
 * Env: BENCH_SSH_RUNS (latency runs, default 15), BENCH_SSH_EXEC_MB (default 256), BENCH_SSH_PTY_MB (128).
 * `--full`: the issue's exec size, 1 GiB (`head -c 1G /dev/zero`; about 2 more minutes), unless
 * BENCH_SSH_EXEC_MB says otherwise.
 * Note: with recording on, 1 MiB of NUL bytes is 6 MiB of asciicast (JSON "\u0000"), so the NUL
 * exec figure is bound by how fast the recording reaches the disk; the printable one is not.
 */
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchCipher, benchDir, median, sshArgs, startSshd, startSshtrail, stopAll } from './servers.js';

const runs = Number(process.env.BENCH_SSH_RUNS ?? 15);
const full = process.argv.includes('--full');
const execMb = Number(process.env.BENCH_SSH_EXEC_MB ?? (full ? 1024 : 256));
const ptyMb = Number(process.env.BENCH_SSH_PTY_MB ?? 128);
const progress = (s: string) => process.stderr.write(`bench ssh: ${s}\n`);
const b = benchDir();

function ssh(port: number, command: string, tty = false): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((res, rej) => {
    const c = spawn('ssh', sshArgs(b, port, command, { tty }), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('close', (code) => {
      if (code !== 0) return rej(new Error(`ssh -p ${port} ${command}: exit ${code}: ${err}`));
      res(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
}

/** Bytes on disk (allocated blocks) under the recordings dir: what a session's recording costs. */
function recordingsSize(dataDir: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else total += statSync(p).blocks * 512;
    }
  };
  walk(join(dataDir, 'recordings'));
  return total;
}

function clearRecordings(dataDir: string): void {
  const rd = join(dataDir, 'recordings');
  for (const f of readdirSync(rd)) rmSync(join(rd, f), { recursive: true, force: true });
}

async function main(): Promise<void> {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const sshd = await startSshd(b);
  const trail = await startSshtrail(b);
  try {
    progress(`sshd on ${sshd.port}, sshtrail on ${trail.port}; warming up`);
    for (const p of [sshd.port, trail.port]) await ssh(p, 'true');

    const lat = { sshd: [] as number[], trail: [] as number[] };
    for (let i = 0; i < runs; i++) {
      lat.sshd.push(await ssh(sshd.port, 'true'));
      lat.trail.push(await ssh(trail.port, 'true'));
    }
    const latS = median(lat.sshd);
    const latT = median(lat.trail);
    progress(`latency done (${runs} runs each)`);

    const throughput = async (cmd: string, mb: number, tty: boolean) => {
      const best = { sshd: Infinity, trail: Infinity };
      let disk = 0;
      for (let i = 0; i < 3; i++) {
        best.sshd = Math.min(best.sshd, await ssh(sshd.port, cmd, tty));
        best.trail = Math.min(best.trail, await ssh(trail.port, cmd, tty));
        disk = recordingsSize(trail.dataDir);
        clearRecordings(trail.dataDir);
      }
      return { sshd: (mb / best.sshd) * 1000, trail: (mb / best.trail) * 1000, disk };
    };
    const exec = await throughput(`head -c ${execMb}M /dev/zero`, execMb, false);
    progress('exec throughput done');
    const pty = await throughput(`yes | head -c ${ptyMb}M`, ptyMb, true);
    progress('PTY throughput done');
    // Same exec stream but printable: a recording of NUL bytes is 6x the stream (JSON "\u0000").
    const printable = await throughput(`yes | head -c ${execMb}M`, execMb, false);
    progress('printable exec throughput done');

    const line = (name: string, s: string, t: string, ratio: number, target: string, disk?: number) =>
      `${name.padEnd(34)} OpenSSH ${s.padStart(12)}  sshtrail ${t.padStart(12)}  ratio ${ratio.toFixed(2)} (${target})${
        disk === undefined ? '' : `  recording ${(disk / 1048576).toFixed(1)} MiB on disk`
      }`;
    const out = [
      `cipher ${benchCipher}`,
      line(
        'set-up latency (ssh host true)',
        `${latS.toFixed(1)} ms`,
        `${latT.toFixed(1)} ms`,
        latT / latS,
        'target <= 1.5',
      ),
      line(
        `exec ${execMb}M /dev/zero`,
        `${exec.sshd.toFixed(0)} MB/s`,
        `${exec.trail.toFixed(0)} MB/s`,
        exec.trail / exec.sshd,
        'target >= 0.9',
        exec.disk,
      ),
      line(
        `exec ${execMb}M printable (yes)`,
        `${printable.sshd.toFixed(0)} MB/s`,
        `${printable.trail.toFixed(0)} MB/s`,
        printable.trail / printable.sshd,
        'target >= 0.9',
        printable.disk,
      ),
      line(
        `PTY ${ptyMb}M (yes, -tt)`,
        `${pty.sshd.toFixed(0)} MB/s`,
        `${pty.trail.toFixed(0)} MB/s`,
        pty.trail / pty.sshd,
        'target >= 0.9',
        pty.disk,
      ),
    ];
    out.push(`load average before ${loadBefore}, after ${load()} (2 cores)`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await stopAll([sshd.proc, trail.proc]);
    b.remove();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench ssh: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
