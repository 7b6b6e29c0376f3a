/**
 * `sshtrail serve`: the composition root. Loads the config, starts the event pipeline with the
 * sink types from sinks/registry.ts, enhanced recording from bpf/, and the SSH server; prints one
 * `sshtrail listening on HOST:PORT` line on stdout when ready; on SIGTERM/SIGINT ends sessions
 * and flushes recordings and events before returning.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type EnhancedRecordingOptions, startEnhancedRecording } from '../../../bpf/index.js';
import { sinkTypes } from '../../../sinks/registry.js';
import { loadConfig, parseListen } from '../../config/load.js';
import type { ConfigOverrides } from '../../config/types.js';
import { SshtrailError } from '../../errors.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log.js';
import { type PipelineConfig, startPipeline } from '../../pipeline/index.js';
import type { SessionHooks } from '../../session/hooks.js';
import { fingerprint } from '../../ssh/authorized-keys.js';
import { SshtrailServer } from '../../ssh/server.js';
import type { Command } from '../main.js';

const usage = `Usage: sshtrail serve [options]

Runs the recording SSH server.

Options:
  --config FILE         YAML configuration file (validated at start; see the config schema)
  --listen HOST:PORT    address to listen on (default 127.0.0.1:2222; port 0 takes a free port)
  --data-dir DIR        host keys, recordings and events (default ./.sshtrail, /var/lib/sshtrail as root)
  --log-format FORMAT   text or json (logs go to stderr)
  --log-level LEVEL     debug, info, warn or error
  -h, --help            show this help

When ready, prints exactly one line on stdout: sshtrail listening on HOST:PORT`;

function parse(argv: string[]): { file?: string; overrides: ConfigOverrides } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        listen: { type: 'string' },
        'data-dir': { type: 'string' },
        'log-format': { type: 'string' },
        'log-level': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new SshtrailError('SSHTRAIL_E_USAGE', `serve: ${(err as Error).message}\n\n${usage}`);
  }
  const overrides: ConfigOverrides = {};
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (str('listen') !== undefined) overrides.listen = str('listen');
  if (str('data-dir') !== undefined) overrides.data_dir = str('data-dir');
  if (str('log-format') !== undefined) overrides.log_format = str('log-format') as LogFormat;
  if (str('log-level') !== undefined) overrides.log_level = str('log-level') as LogLevel;
  const file = str('config');
  return file !== undefined ? { file, overrides } : { overrides };
}

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(sig);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** Fingerprints of the generated host keys, so the first connection can be checked by eye. */
function hostKeyFingerprints(dataDir: string): string[] {
  const dir = join(dataDir, 'host_keys');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pub'))
      .map((f) => {
        const [type, b64] = readFileSync(join(dir, f), 'utf8').trim().split(/\s+/);
        return `${type} ${fingerprint(Buffer.from(b64 ?? '', 'base64'))}`;
      });
  } catch {
    return []; // host keys named in the config live elsewhere; nothing to show
  }
}

/** How to connect, on stderr (stdout carries only the listening line that scripts wait for). */
function connectHint(listen: string, port: number, dataDir: string): string {
  const host = listen.replace(/^\[|\]$/g, '');
  const login = userInfo().username;
  const lines = [
    `connect:     ssh -p ${port} ${login}@${host}   (a key in ~${login}/.ssh/authorized_keys)`,
    ...hostKeyFingerprints(dataDir).map((f) => `host key:    ${f}`),
    `recordings:  ${join(dataDir, 'recordings')}   (sshtrail recordings --data-dir ${dataDir})`,
    `events:      ${join(dataDir, 'events', 'audit.ndjson')}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function run(argv: string[]): Promise<number> {
  const { file, overrides } = parse(argv);
  const config = loadConfig(file, overrides);
  const { host, port } = parseListen(config.listen);
  const log = createLogger({ level: config.log.level, format: config.log.format });
  const stop = waitForStopSignal();

  mkdirSync(config.data_dir, { recursive: true, mode: 0o700 });
  const pipeline = await startPipeline({
    config: { sinks: config.sinks, pipeline: config.pipeline, metrics: config.metrics } as PipelineConfig,
    sinkTypes,
    dataDir: config.data_dir,
    logger: log.child({ component: 'pipeline' }),
  });

  // Enhanced recording (cgroup v2 + eBPF) takes part in sessions through these hooks only.
  const enhanced = await startEnhancedRecording({
    config: config.enhanced_recording as EnhancedRecordingOptions['config'],
    emitter: pipeline,
    logger: log.child({ component: 'enhanced' }),
    dataDir: config.data_dir,
  }).catch(async (err: unknown) => {
    await pipeline.close(2000);
    throw err;
  });
  if (!enhanced.enabled) log.info('enhanced recording off', { reason: enhanced.reason ?? 'disabled' });
  const hooks: SessionHooks = enhanced.hooks;

  const server = new SshtrailServer({
    config,
    emitter: pipeline,
    hooks,
    log: log.child({ component: 'ssh' }),
  });
  let address: { ip: string; port: number };
  try {
    address = await server.start(host, port);
  } catch (err) {
    await enhanced.close();
    await pipeline.close(2000);
    if (err instanceof SshtrailError) throw err;
    throw new SshtrailError(
      'SSHTRAIL_E_LISTEN',
      `cannot listen on ${config.listen}: ${(err as Error).message}`,
    );
  }
  const shown = address.ip.includes(':') ? `[${address.ip}]` : address.ip;
  process.stdout.write(`sshtrail listening on ${shown}:${address.port}\n`);
  log.info('ready', { listen: `${shown}:${address.port}`, data_dir: config.data_dir });
  if (config.log.format === 'text') process.stderr.write(connectHint(shown, address.port, config.data_dir));

  const sig = await stop;
  log.info('shutting down', { signal: sig });
  const graceMs = config.session.shutdown_grace * 1000;
  await server.shutdown(graceMs);
  await enhanced.close();
  await pipeline.close(5000);
  log.info('stopped');
  return 0;
}

export const command: Command = {
  summary: 'run the recording SSH server',
  usage,
  run,
};
