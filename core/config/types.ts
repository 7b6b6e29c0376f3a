/** The validated configuration, with defaults filled in (see schema.ts for each key's meaning). */
import type { LogFormat, LogLevel } from '../log.js';

export interface ServerConfig {
  listen: string;
  data_dir: string;
  ident: string;
  host_keys?: string[];
  log: { level: LogLevel; format: LogFormat };
  auth: {
    authorized_keys_file: string;
    max_attempts: number;
    grace_time: number;
    kex_timeout: number;
    max_unauthenticated: number;
  };
  session: {
    max_per_connection: number;
    max_total: number;
    idle_timeout: number;
    keepalive_interval: number;
    keepalive_count_max: number;
    shutdown_grace: number;
    path: string;
    env_allow: string[];
    env_max_count: number;
    env_max_bytes: number;
  };
  recording: { input: boolean; flush_interval: number; direct_io: 'auto' | 'off' };
  /** Sections owned by other modules, passed through as validated. */
  sinks?: unknown;
  pipeline?: unknown;
  metrics?: unknown;
  enhanced_recording?: unknown;
}

/** Command-line flags; each overrides the file's value. */
export interface ConfigOverrides {
  listen?: string;
  data_dir?: string;
  log_level?: LogLevel;
  log_format?: LogFormat;
}
