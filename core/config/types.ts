/** The validated configuration, with defaults filled in (see schema.ts for each key's meaning). */
import type { LogFormat, LogLevel } from '../log.js';

export interface ServerConfig {
  /** One HOST:PORT or several (see listenAddresses in load.ts). */
  listen: string | string[];
  pid_file?: string;
  data_dir: string;
  ident: string;
  host_keys?: string[];
  /** Algorithm lists (undefined: the built-in ones, core/ssh/algorithms.ts). */
  ciphers?: string[];
  kex_algorithms?: string[];
  macs?: string[];
  host_key_algorithms?: string[];
  server_nice: number;
  log: { level: LogLevel; format: LogFormat };
  auth: {
    authorized_keys_file: string;
    authorized_keys_command?: string[];
    authorized_keys_command_user?: string;
    authorized_keys_command_timeout: number;
    max_attempts: number;
    grace_time: number;
    kex_timeout: number;
    max_unauthenticated: number;
    strict_modes: boolean;
    locked_accounts: 'allow_keys' | 'refuse';
    early_drop: { start: number; rate: number };
    per_source: { max_unauthenticated: number; ipv4_prefix: number; ipv6_prefix: number };
    penalties: {
      enabled: boolean;
      authfail: number;
      noauth: number;
      grace_exceeded: number;
      protocol_error: number;
      min: number;
      max: number;
      max_sources_ipv4: number;
      max_sources_ipv6: number;
      overflow: 'permissive' | 'deny-all';
      exempt: string[];
    };
  };
  session: {
    max_per_connection: number;
    max_total: number;
    idle_timeout: number;
    keepalive_interval: number;
    keepalive_count_max: number;
    shutdown_grace: number;
    on_end: 'keep' | 'kill';
    path: string;
    env_allow: string[];
    env_max_count: number;
    env_max_bytes: number;
  };
  sftp: { enabled: boolean; server: string };
  access: AccessConfig;
  match: MatchBlock[];
  forwarding: {
    tcp: 'all' | 'local' | 'remote' | 'none';
    gateway_ports: 'no' | 'yes' | 'clientspecified';
    agent: boolean;
  };
  recording: {
    input: boolean;
    flush_interval: number;
    direct_io: 'auto' | 'off';
    on_failure: 'refuse' | 'continue';
    redact_hidden_input: boolean;
    retention: { max_age_days?: number; max_total_bytes?: number; check_interval: number };
  };
  integrity: { checkpoint_interval_seconds: number; signing_key?: string };
  /** Sections owned by other modules, passed through as validated. */
  sinks?: unknown;
  pipeline?: unknown;
  metrics?: unknown;
  enhanced_recording?: unknown;
}

export type PermitRootLogin = 'yes' | 'prohibit-password' | 'no' | 'forced-commands-only';

export interface AccessConfig {
  allow_users: string[];
  deny_users: string[];
  allow_groups: string[];
  deny_groups: string[];
  permit_root_login: PermitRootLogin;
  /** `none` (or absent): no forced command. */
  force_command?: string;
  permit_tty: boolean;
  banner?: string;
}

/** What a match block may set for the logins it selects. */
export interface MatchSettings {
  permit_root_login?: PermitRootLogin;
  force_command?: string;
  permit_tty?: boolean;
  sftp?: boolean;
  /** Keys of the top-level `forwarding` settings, each overriding it for the login. */
  forwarding?: Partial<ServerConfig['forwarding']>;
}

export interface MatchBlock {
  name?: string;
  when: { user?: string[]; group?: string[]; address?: string[] };
  set: MatchSettings;
}

/** Command-line flags; each overrides the file's value. */
export interface ConfigOverrides {
  listen?: string;
  data_dir?: string;
  log_level?: LogLevel;
  log_format?: LogFormat;
}
