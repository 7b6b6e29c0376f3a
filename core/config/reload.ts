/**
 * What a reload (SIGHUP) may change in a running server. Settings read when a connection or a
 * session starts (auth, limits, timers, env allow-list, recording options, ident, host keys, log
 * level) take the new value for new connections; settings that own something opened once at start
 * (the listening socket, the data dir and its lock, the sinks, the kernel capture, the metrics
 * listener, the process priority, the log format) keep their running value until a restart.
 * Pure: serve.ts reads the file, this decides, the server applies.
 */
import type { ServerConfig } from './types.js';

/** Top-level keys (and `log.format`) only a restart applies. */
export const RESTART_ONLY = [
  'listen',
  'pid_file',
  'data_dir',
  'server_nice',
  'log.format',
  'sinks',
  'pipeline',
  'metrics',
  'enhanced_recording',
  // The sftp-server path is checked once, at start (core/session/subsystems.ts).
  'sftp',
] as const;

export interface ReloadPlan {
  /** The configuration to run with: the new one, restart-only settings kept from the running one. */
  config: ServerConfig;
  /** Settings the reload changes (key paths, in config order). */
  changed: string[];
  /** Restart-only settings the file changed and the reload left as they were. */
  needRestart: string[];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Key paths whose values differ: top-level keys, with `log` split into its two settings. */
function differences(a: ServerConfig, b: ServerConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    if (k === 'log') {
      if (a.log.level !== b.log.level) out.push('log.level');
      if (a.log.format !== b.log.format) out.push('log.format');
    } else if (
      !same((a as unknown as Record<string, unknown>)[k], (b as unknown as Record<string, unknown>)[k])
    ) {
      out.push(k);
    }
  }
  return out;
}

export function planReload(running: ServerConfig, next: ServerConfig): ReloadPlan {
  const diff = differences(running, next);
  const restart = new Set<string>(RESTART_ONLY);
  const needRestart = diff.filter((k) => restart.has(k));
  const kept: Record<string, unknown> = { ...next };
  for (const k of RESTART_ONLY) {
    if (k === 'log.format') continue;
    if (k in running) kept[k] = (running as unknown as Record<string, unknown>)[k];
    else delete kept[k];
  }
  kept.log = Object.freeze({ level: next.log.level, format: running.log.format });
  return {
    config: kept as unknown as ServerConfig,
    changed: diff.filter((k) => !restart.has(k)),
    needRestart,
  };
}
