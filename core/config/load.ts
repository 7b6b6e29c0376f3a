/**
 * Reads the YAML config, applies flags, validates once against the composed schema (filling
 * defaults) and freezes the result. Every problem is reported at once, each with its key path,
 * as SSHTRAIL_E_CONFIG (exit 2).
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { SshtrailError } from '../errors.js';
import { configSchema } from './schema.js';
import type { ConfigOverrides, ServerConfig } from './types.js';

export const DEFAULT_LISTEN = '127.0.0.1:2222';

export function defaultDataDir(): string {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root ? '/var/lib/sshtrail' : resolve('.sshtrail');
}

/** `auth.max_attempts`, `sinks[0].type`: the path of the key a message is about (below `base`). */
function keyPath(instancePath: string, base = ''): string {
  const parts = instancePath.split('/').slice(1);
  let out = base;
  for (const raw of parts) {
    const p = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p;
  }
  return out || '(top level)';
}

/** One line per problem, each naming its key; `base` is where the validated value sits (`sinks[0]`). */
export function formatConfigErrors(errors: readonly ErrorObject[], base = ''): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    const at = keyPath(e.instancePath, base);
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const full = at === '(top level)' ? key : `${at}.${key}`;
      out.add(`${full}: unknown key`);
    } else if (e.keyword === 'enum') {
      out.add(
        `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    } else {
      out.add(`${at}: ${e.message ?? 'is invalid'}`);
    }
  }
  return [...out];
}

/**
 * What another module adds to the configuration: its top-level keys' schemas and the checks its
 * schema cannot say. The composition root (core/compose/config.ts) lists the parts, so that this
 * loader imports none of the modules it configures.
 */
export interface ConfigPart {
  properties?: Record<string, unknown>;
  /** One line per problem, each naming its key; runs after the schema accepted the config. */
  check?(cfg: ServerConfig): string[];
}

// Compiled once per list of parts (the composition root passes the same list each time).
const compiled = new WeakMap<readonly ConfigPart[], ReturnType<Ajv2020['compile']>>();
function validator(parts: readonly ConfigPart[]) {
  let fn = compiled.get(parts);
  if (!fn) {
    const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
    addFormats.default(ajv);
    fn = ajv.compile(configSchema(parts.flatMap((p) => (p.properties ? [p.properties] : []))));
    compiled.set(parts, fn);
  }
  return fn;
}

/**
 * Validates a parsed config object in place (defaults filled in) and returns it frozen. Only the
 * server's own keys and those of `parts` are known.
 */
export function validateConfig(
  raw: unknown,
  source = 'config',
  parts: readonly ConfigPart[] = [],
): ServerConfig {
  const data = raw ?? {};
  const validate = validator(parts);
  if (!validate(data)) {
    const lines = formatConfigErrors(validate.errors ?? []);
    throw new SshtrailError('SSHTRAIL_E_CONFIG', `${source}: invalid configuration\n  ${lines.join('\n  ')}`);
  }
  const cfg = data as ServerConfig;
  const problems = [...crossChecks(cfg), ...parts.flatMap((p) => p.check?.(cfg) ?? [])];
  if (problems.length > 0) {
    throw new SshtrailError(
      'SSHTRAIL_E_CONFIG',
      `${source}: invalid configuration\n  ${problems.join('\n  ')}`,
    );
  }
  cfg.listen ??= DEFAULT_LISTEN;
  cfg.data_dir = resolve(cfg.data_dir ?? defaultDataDir());
  // Freeze the server's own sections; the other sections belong to their modules.
  for (const k of [
    'listen',
    'log',
    'auth',
    'session',
    'recording',
    'host_keys',
    'ciphers',
    'kex_algorithms',
    'macs',
    'host_key_algorithms',
    'access',
    'match',
  ] as const)
    deepFreeze(cfg[k]);
  return cfg;
}

/** What one key's schema cannot say: relations between keys, address syntax. */
function crossChecks(cfg: ServerConfig): string[] {
  const out: string[] = [];
  const { penalties } = cfg.auth;
  penalties.exempt.forEach((entry, i) => {
    const [addr = '', bits] = entry.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    if (!family || (bits !== undefined && Number(bits) > max)) {
      out.push(`auth.penalties.exempt[${i}]: '${entry}' is not an address or CIDR block`);
    }
  });
  if (penalties.enabled && penalties.max < penalties.min) {
    out.push('auth.penalties.max: must be at least auth.penalties.min (no penalty could ever apply)');
  }
  return out;
}

export function loadConfig(
  file: string | undefined,
  overrides: ConfigOverrides = {},
  parts: readonly ConfigPart[] = [],
): ServerConfig {
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new SshtrailError('SSHTRAIL_E_CONFIG', `${file}: cannot read: ${(err as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (err) {
      throw new SshtrailError('SSHTRAIL_E_CONFIG', `${file}: not valid YAML: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new SshtrailError('SSHTRAIL_E_CONFIG', `${file}: (top level): must be a mapping of keys`);
    }
  }
  const obj = raw as Record<string, unknown>;
  if (overrides.listen !== undefined) obj.listen = overrides.listen;
  if (overrides.data_dir !== undefined) obj.data_dir = overrides.data_dir;
  if (overrides.log_level !== undefined || overrides.log_format !== undefined) {
    const log = (typeof obj.log === 'object' && obj.log !== null ? obj.log : {}) as Record<string, unknown>;
    if (overrides.log_level !== undefined) log.level = overrides.log_level;
    if (overrides.log_format !== undefined) log.format = overrides.log_format;
    obj.log = log;
  }
  return validateConfig(obj, file ?? 'config', parts);
}

/** Every address of `listen` (one or a list), split. */
export function listenAddresses(listen: string | readonly string[]): { host: string; port: number }[] {
  return (typeof listen === 'string' ? [listen] : listen).map(parseListen);
}

/** Splits HOST:PORT ([v6]:port allowed). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^\[?(.+?)\]?:(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535) {
    throw new SshtrailError('SSHTRAIL_E_CONFIG', `listen: must be HOST:PORT, got '${listen}'`);
  }
  return { host: m[1] as string, port };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
