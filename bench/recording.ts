/**
 * Recording writes, `recording.direct_io: auto` (O_DIRECT where the filesystem takes it) against
 * `off` (buffered writes through the page cache), side by side in the same run: the real
 * AsciicastWriter records a session printing MB megabytes of terminal output in 16 KiB chunks
 * (what a PTY read delivers), on the filesystem of the data dir. Reports wall time and the
 * process's CPU (user + system, and system alone: the page cache's cost is system time of the
 * writing process). The default stays `auto` only while it is no worse than `off` in wall time
 * and CPU and cheaper in system time (docs/benchmarks.md, "recording", has the figures).
 *   node dist/bench/recording.js [--mb N] [--rounds N] [--dir DIR]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AsciicastWriter } from '../core/recording/asciicast.js';
import { PtyRecorder } from '../core/recording/pty-recorder.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const MB = Number(arg('--mb', '512'));
const ROUNDS = Number(arg('--rounds', '3'));
// /tmp is often tmpfs (no O_DIRECT, no disk); /var/tmp is on the disk like /var/lib/sshtrail.
const BASE = arg('--dir', '/var/tmp');
const CHUNK = 16 * 1024;
/** --asciicast-only: the .cast alone, without the raw output a PTY session keeps beside it. */
const Writer = process.argv.includes('--asciicast-only') ? AsciicastWriter : PtyRecorder;

/** Printable terminal output, different in every chunk (a constant chunk would compress nothing but
 * would let the encoder's work be the same string over and over). */
function chunks(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 64; i++) {
    const b = Buffer.alloc(CHUNK);
    for (let j = 0; j < CHUNK; j++) b[j] = j % 81 === 80 ? 10 : 33 + ((i * 7 + j * 13) % 94);
    out.push(b);
  }
  return out;
}

async function once(
  mode: 'auto' | 'off',
  data: Buffer[],
): Promise<{ wallMs: number; cpuMs: number; sysMs: number; bytes: number }> {
  const dir = mkdtempSync(join(BASE, 'sshtrail-bench-rec-'));
  try {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const w = new Writer(
      dir,
      {
        sessionId: `bench-${mode}`,
        login: 'bench',
        clientAddr: '127.0.0.1',
        clientPort: 1,
        kind: 'shell',
        width: 80,
        height: 24,
        term: 'xterm',
        shell: '/bin/sh',
      },
      { input: false, flushInterval: 1, directIo: mode },
    );
    const total = (MB * 1024 * 1024) / CHUNK;
    for (let i = 0; i < total; i++) {
      w.output(data[i % data.length] as Buffer);
      // The session's own backpressure: a writer behind the output holds the PTY back.
      if (w.backlogged) await new Promise<void>((r) => w.onDrain(r));
    }
    await w.close({ code: 0, signal: null });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const c = process.cpuUsage(cpu0);
    return {
      wallMs,
      cpuMs: (c.user + c.system) / 1000,
      sysMs: c.system / 1000,
      bytes: statSync(w.path).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const data = chunks();
  process.stderr.write(
    `bench recording: ${MB} MiB of terminal output per run, ${ROUNDS} rounds, in ${BASE}\n`,
  );
  await once('off', data); // warm-up: code paths compiled, slab arena reserved
  const best = {
    auto: { wallMs: Infinity, cpuMs: Infinity, sysMs: Infinity, bytes: 0 },
    off: { wallMs: Infinity, cpuMs: Infinity, sysMs: Infinity, bytes: 0 },
  };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 ? (['auto', 'off'] as const) : (['off', 'auto'] as const)) {
      const x = await once(mode, data);
      best[mode] = {
        wallMs: Math.min(best[mode].wallMs, x.wallMs),
        cpuMs: Math.min(best[mode].cpuMs, x.cpuMs),
        sysMs: Math.min(best[mode].sysMs, x.sysMs),
        bytes: x.bytes,
      };
    }
  }
  const row = (name: string, o: number, a: number, unit: string) =>
    `${name.padEnd(30)} off ${o.toFixed(0).padStart(7)} ${unit}  auto ${a.toFixed(0).padStart(7)} ${unit}  ratio ${(a / o).toFixed(2)}`;
  process.stdout.write(
    [
      `recording ${MB} MiB (file ${(best.auto.bytes / 2 ** 20).toFixed(0)} MiB)`,
      row('  wall time', best.off.wallMs, best.auto.wallMs, 'ms'),
      row('  CPU (user + system)', best.off.cpuMs, best.auto.cpuMs, 'ms'),
      row('  CPU, system alone', best.off.sysMs, best.auto.sysMs, 'ms'),
      '',
    ].join('\n'),
  );
}

await main();
