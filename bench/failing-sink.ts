/**
 * What a failing SIEM costs a login: sequential logins to two sshtrail servers side by side, one
 * with only its local file sink and one that also ships to an Elasticsearch answering every bulk
 * request with 503 and retried as fast as the config allows (1 ms). Nothing in the login path may
 * wait on a sink, so the ratio of the medians should be 1.00 within noise. Logins alternate
 * between the servers so that load on the machine falls on both alike.
 * Env: BENCH_FAILING_SINK_LOGINS (per server, default 40).
 */
import { spawn } from 'node:child_process';
import { ElasticsearchReceiver } from '../test/receivers/elasticsearch.js';
import { type BenchDir, benchDir, median, percentile, sshArgs, startSshtrail, stopAll } from './servers.js';

const n = Number(process.env.BENCH_FAILING_SINK_LOGINS ?? 40);

function login(b: BenchDir, port: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((res, rej) => {
    const c = spawn('ssh', sshArgs(b, port, 'true'), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => {
      err += d;
    });
    c.on('close', (code) =>
      code === 0
        ? res(Number(process.hrtime.bigint() - t0) / 1e6)
        : rej(new Error(`login failed (${code}): ${err.trim()}`)),
    );
  });
}

async function main(): Promise<void> {
  const es = new ElasticsearchReceiver();
  await es.start();
  es.faults.storm = { status: 503, count: Number.MAX_SAFE_INTEGER };
  const b = benchDir();
  const plain = await startSshtrail(b, {}, { name: 'plain' });
  const failing = await startSshtrail(
    b,
    {
      sinks: [
        { type: 'file' },
        {
          type: 'elasticsearch',
          name: 'es',
          nodes: [es.url],
          batch: { max_events: 1, timeout_ms: 1 },
          retry: { initial_ms: 1, max_ms: 1, max_attempts: 0 },
        },
      ],
    },
    { name: 'failing' },
  );
  try {
    const times = { plain: [] as number[], failing: [] as number[] };
    for (let i = 0; i < n; i++) {
      times.plain.push(await login(b, plain.port));
      times.failing.push(await login(b, failing.port));
    }
    const line = (name: string, xs: number[]) =>
      `${name.padEnd(28)} median ${median(xs).toFixed(1).padStart(7)} ms  p95 ${percentile(xs, 95).toFixed(1).padStart(7)} ms`;
    process.stdout.write(
      `${[
        line('sshtrail, file sink', times.plain),
        line('sshtrail, + failing ES (503)', times.failing),
        `median ratio failing/plain ${(median(times.failing) / median(times.plain)).toFixed(2)}, p95 ratio ${(percentile(times.failing, 95) / percentile(times.plain, 95)).toFixed(2)}; ${n} logins each, ${es.bulkRequests} bulk requests refused`,
      ].join('\n')}\n`,
    );
  } finally {
    await stopAll([plain.proc, failing.proc]);
    await es.stop();
    b.remove();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failing-sink: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
