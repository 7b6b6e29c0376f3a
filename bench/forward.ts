/**
 * A stream through `ssh -L`, sshtrail against OpenSSH's sshd side by side, with the same client,
 * key exchange and cipher (bench/servers.ts): a local TCP server sends SIZE bytes to whoever
 * connects; the client connects to ssh's forwarded port and reads to the end. sshtrail runs its
 * audit as configured by default (session.forward events; the forwarding helper makes the
 * connect). Prints MB/s for each and the sshtrail/OpenSSH ratio (best of runs; target >= 0.9).
 * Env: BENCH_FORWARD_MB (default 1024), BENCH_FORWARD_RUNS (default 3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, connect, createServer } from 'node:net';
import { benchDir, freePort, sshArgs, startSshd, startSshtrail, stopAll, waitForLine } from './servers.js';

const mb = Number(process.env.BENCH_FORWARD_MB ?? 1024);
const runs = Number(process.env.BENCH_FORWARD_RUNS ?? 3);
const size = mb * 1024 * 1024;
const progress = (s: string) => process.stderr.write(`bench forward: ${s}\n`);
const b = benchDir();

/** Sends `size` bytes of zeros to every connection, then closes it. */
async function source(): Promise<{ port: number; close(): void }> {
  const chunk = Buffer.alloc(1024 * 1024);
  const srv = createServer((s) => {
    let left = size;
    const more = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once('drain', more);
      }
      s.end();
    };
    s.on('error', () => {});
    more();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as AddressInfo).port, close: () => srv.close() };
}

async function tunnel(serverPort: number, target: number): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const args = sshArgs(b, serverPort, '');
  const dest = args.at(-2) as string;
  const proc = spawn(
    'ssh',
    [
      '-v',
      ...args.slice(0, -2),
      '-o',
      'ExitOnForwardFailure=yes',
      '-N',
      '-L',
      `${port}:127.0.0.1:${target}`,
      dest,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await waitForLine(proc, 'stderr', /Entering interactive session/);
  return { port, proc };
}

/** Seconds to read the whole stream through the tunnel. */
function pull(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let got = 0;
    const s = connect(port, '127.0.0.1');
    s.on('data', (d: Buffer) => {
      got += d.length;
    });
    s.on('error', reject);
    s.on('close', () => {
      if (got !== size) return reject(new Error(`read ${got} of ${size} bytes`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  });
}

async function main(): Promise<void> {
  const src = await source();
  const sshd = await startSshd(b, ['AllowTcpForwarding yes']);
  // As the sshd beside it (StrictModes no): the key files live under /tmp.
  const trail = await startSshtrail(b, { auth: { strict_modes: false } });
  const tunnels: ChildProcess[] = [];
  try {
    const best: Record<string, number> = {};
    for (const [name, port] of [
      ['openssh', sshd.port],
      ['sshtrail', trail.port],
    ] as const) {
      const t = await tunnel(port, src.port);
      tunnels.push(t.proc);
      for (let i = 0; i < runs; i++) {
        const s = await pull(t.port);
        progress(`${name}: ${mb} MiB in ${s.toFixed(2)} s (${(mb / s).toFixed(0)} MiB/s)`);
        best[name] = Math.max(best[name] ?? 0, mb / s);
      }
    }
    const ratio = (best.sshtrail ?? 0) / (best.openssh ?? 1);
    process.stdout.write(
      `ssh -L stream ${mb} MiB: openssh ${best.openssh?.toFixed(0)} MiB/s, sshtrail ${best.sshtrail?.toFixed(0)} MiB/s, ratio ${ratio.toFixed(2)} (target >= 0.9)\n`,
    );
  } finally {
    await stopAll([...tunnels, sshd.proc, trail.proc]);
    src.close();
    b.remove();
  }
}

await main();
