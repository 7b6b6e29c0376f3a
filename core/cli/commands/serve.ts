/**
 * `sshtrail serve`: loads the config, has core/compose build and start the system (pipeline,
 * enhanced recording, SSH server) and runs the process around it; prints a
 * `sshtrail listening on HOST:PORT` line per address on stdout when ready; on SIGTERM/SIGINT/SIGQUIT ends
 * sessions and flushes recordings and events before returning; on SIGHUP re-reads the config file
 * and host keys for new connections (config/reload.ts says what a reload can change).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../compose/config.js';
import { sinkSettings } from '../../compose/sinks.js';
import { startSystem } from '../../compose/system.js';
import { checkDataDir, prepareDataDir } from '../../config/data-dir.js';
import { listenAddresses } from '../../config/load.js';
import { planReload } from '../../config/reload.js';
import type { ConfigOverrides, ServerConfig } from '../../config/types.js';
import { acquireInstanceLock } from '../../data-dir/lock.js';
import { SshtrailError } from '../../errors.js';
import { removePidFile, writePidFile } from '../../host/pid-file.js';
import { type Notifier, systemdNotifier } from '../../host/sd-notify.js';
import { createLogger, type LogFormat, type LogLevel, type RootLogger } from '../../log.js';
import { loadHostKeys } from '../../ssh/host-keys.js';
import type { SshtrailServer } from '../../ssh/server.js';
import { raisePriority } from '../../sys/priority.js';
import type { Command } from '../command.js';
import { connectHint } from '../connect-hint.js';
import { handleSignals, type ServeSignals } from '../signals.js';

const usage = `Usage: sshtrail serve [options]

Runs the recording SSH server.

Options:
  --config FILE         YAML configuration file (validated at start; see the config schema)
  --listen HOST:PORT    address to listen on (default 127.0.0.1:2222; port 0 takes a free port)
  --data-dir DIR        host keys, recordings and events (default ./.sshtrail, /var/lib/sshtrail as root)
  --log-format FORMAT   text or json (logs go to stderr)
  --log-level LEVEL     debug, info, warn or error
  --check               check the configuration (every key, each sink's settings, configured host
                        keys) and exit: 0 and "configuration OK" when it would start, 2 and every
                        problem otherwise (like sshd -t); nothing is written
  -h, --help            show this help

Signals:
  SIGTERM, SIGINT, SIGQUIT  end sessions (after session.shutdown_grace), flush recordings and
                            events, exit 0
  SIGHUP                    re-read the config file and host keys for new connections; open
                            sessions go on; a file with a problem is logged and changes nothing;
                            listen, pid_file, data_dir, sinks, pipeline, metrics, enhanced_recording,
                            server_nice and log.format need a restart

When ready, prints one line per listen address on stdout: sshtrail listening on HOST:PORT;
under systemd (NOTIFY_SOCKET set) also sends READY=1 (RELOADING=1/READY=1 around a reload,
STOPPING=1 at stop): Type=notify`;

function parse(argv: string[]): { file?: string; check: boolean; overrides: ConfigOverrides } {
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
        check: { type: 'boolean' },
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
  const check = values.check === true;
  return file !== undefined ? { file, check, overrides } : { check, overrides };
}

/** `serve --check`: everything start-up would refuse, without starting or writing anything. */
function checkOnly(config: ServerConfig, file: string | undefined): number {
  sinkSettings(config);
  // A data dir that does not exist yet is created 0700 at start; one that exists must be safe now.
  if (existsSync(config.data_dir)) checkDataDir(config.data_dir);
  // Generated host keys are made at start; configured ones must be readable keys now.
  if (config.host_keys?.length)
    loadHostKeys(config.data_dir, config.host_keys, createLogger({ level: 'error' }));
  process.stdout.write(`sshtrail: configuration OK${file ? ` (${file})` : ' (embedded defaults)'}\n`);
  return 0;
}

async function run(argv: string[]): Promise<number> {
  const { file, check, overrides } = parse(argv);
  const config = loadConfig(file, overrides);
  const addresses = listenAddresses(config.listen);
  if (check) return checkOnly(config, file);
  const log = createLogger({ level: config.log.level, format: config.log.format });
  const signals = handleSignals(log);
  try {
    raisePriority(config.server_nice, log);
    prepareDataDir(config.data_dir);
    // One server per data dir: what is left in it (notes, this instance's cgroups) is then ours.
    const lock = acquireInstanceLock(config.data_dir);
    try {
      return await serve({ config, file, overrides }, addresses, log, signals);
    } finally {
      lock.release();
    }
  } finally {
    signals.close();
  }
}

/** Where the running configuration came from, to read it again on SIGHUP. */
interface ConfigSource {
  config: ServerConfig;
  file: string | undefined;
  overrides: ConfigOverrides;
}

/**
 * SIGHUP: reads the file (and the flags over it) again, then the host keys, and gives both to
 * new connections. Anything that fails leaves the running configuration as it was, with one
 * error line; a success is one info line naming the file and what changed.
 */
function reloader(
  source: ConfigSource,
  server: SshtrailServer,
  log: RootLogger,
  notifier: Notifier,
): () => void {
  let running = source.config;
  const file = source.file ?? '(embedded defaults)';
  return () => {
    // systemd (Type=notify) sees the reload begin and end; MONOTONIC_USEC as sd_notify(3) asks.
    void notifier.notify(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
    try {
      reload();
    } finally {
      void notifier.notify('READY=1');
    }
  };
  function reload(): void {
    let plan: ReturnType<typeof planReload>;
    let keys: ReturnType<SshtrailServer['reconfigure']>;
    try {
      const next = loadConfig(source.file, source.overrides);
      // Sink settings are checked as start-up checks them, though only a restart applies them:
      // a reload that reports success means the file would also start.
      sinkSettings(next);
      plan = planReload(running, next);
      keys = server.reconfigure(plan.config);
    } catch (err) {
      log.error('reload failed; the running configuration stays', {
        file,
        err: (err as Error).message,
      });
      return;
    }
    running = plan.config;
    log.setLevel(running.log.level);
    for (const key of plan.needRestart)
      log.warn('reload: setting changed but needs a restart; the running value stays', { key });
    log.info('configuration reloaded for new connections', {
      file,
      changed: plan.changed.length ? plan.changed.join(',') : 'nothing',
      host_keys: keys.hostKeys,
      // The key files may be the same names with new contents (or regenerated ones).
      host_keys_changed: keys.hostKeysChanged,
    });
  }
}

async function serve(
  source: ConfigSource,
  addresses: { host: string; port: number }[],
  log: RootLogger,
  signals: ServeSignals,
): Promise<number> {
  const { config } = source;
  const notifier = systemdNotifier(log);
  const { server, bound, stop } = await startSystem(config, addresses, log);
  const shown = bound.map((a) => `${a.ip.includes(':') ? `[${a.ip}]` : a.ip}:${a.port}`);
  for (const s of shown) process.stdout.write(`sshtrail listening on ${s}\n`);
  if (config.pid_file) {
    try {
      writePidFile(config.pid_file);
    } catch (err) {
      log.error('cannot write the pid file', { pid_file: config.pid_file, err: (err as Error).message });
    }
  }
  log.info('ready', { listen: shown.join(','), data_dir: config.data_dir });
  await notifier.notify('READY=1');
  const first = bound[0] as { ip: string; port: number };
  if (config.log.format === 'text')
    process.stderr.write(
      connectHint({
        host: first.ip.includes(':') ? `[${first.ip}]` : first.ip,
        port: first.port,
        dataDir: config.data_dir,
        authorizedKeysFile: config.auth.authorized_keys_file,
      }),
    );

  signals.onReload(reloader(source, server, log, notifier));

  const sig = await signals.stopped;
  log.info('shutting down', { signal: sig });
  void notifier.notify('STOPPING=1');
  const graceMs = config.session.shutdown_grace * 1000;
  await stop(graceMs);
  if (config.pid_file) {
    try {
      removePidFile(config.pid_file);
    } catch (err) {
      log.warn('cannot remove the pid file', { pid_file: config.pid_file, err: (err as Error).message });
    }
  }
  log.flush();
  log.info('stopped');
  return 0;
}

export const command: Command = {
  summary: 'run the recording SSH server',
  usage,
  run,
};
