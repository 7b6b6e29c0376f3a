/**
 * Stamped events of every type as the pipeline hands them to sinks, and a logger that keeps
 * what it was told, for the sink tests.
 */
import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../../core/log.js';
import { resolveSettings } from '../../core/pipeline/options.js';
import type {
  AuditEvent,
  EventOutcome,
  SendResult,
  Sink,
  SinkContext,
  SinkType,
} from '../../core/sinks/sink.js';

let seq = 0;
const SESSION = 'ses_01JDTESTSESSION0000000001';

export function envelope(type: string, fields: Record<string, unknown>, session = true): AuditEvent {
  const ms = Date.now();
  const time = `${new Date(ms).toISOString().slice(0, 23)}${String(++seq % 1_000_000).padStart(6, '0')}Z`;
  const base: Record<string, unknown> = {
    type,
    schema: `https://sshtrail.dev/schemas/${type}/1.0.json`,
    id: randomUUID(),
    time,
    seq,
    server_id: 'srv-test',
    hostname: 'host-a',
  };
  if (session) base.session_id = SESSION;
  Object.assign(base, {
    login: 'alice',
    user: { key_type: 'ssh-ed25519', fingerprint: 'SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' },
    client_addr: '127.0.0.1',
    client_port: 50022,
  });
  return Object.freeze({ ...base, ...fields }) as unknown as AuditEvent;
}

export function sampleEvents(): AuditEvent[] {
  return [
    envelope(
      'auth.success',
      { method: 'publickey', key_type: 'ssh-ed25519', fingerprint: 'SHA256:abc' },
      false,
    ),
    envelope('auth.failure', { method: 'publickey', reason: 'key_not_authorized' }, false),
    envelope('session.start', {
      kind: 'shell',
      pty: true,
      term: 'xterm-256color',
      width: 80,
      height: 24,
      cgroup_id: 12345,
    }),
    envelope('session.command', {
      pid: 4242,
      ppid: 4241,
      program: 'ls',
      path: '/usr/bin/ls',
      argv: ['ls', '-la', '/tmp'],
      argv_truncated: false,
      return_code: 0,
      cgroup_id: 12345,
      uid: 1000,
      gid: 1000,
    }),
    envelope('session.command', {
      pid: 4243,
      ppid: 4241,
      program: 'bash',
      path: '/nonexistent',
      argv: ['/nonexistent'],
      argv_truncated: false,
      return_code: -2,
      cgroup_id: 12345,
      uid: 1000,
      gid: 1000,
    }),
    envelope('session.disk', {
      pid: 4242,
      program: 'cat',
      path: '/etc/passwd',
      flags: 524288,
      flag_names: ['O_RDONLY', 'O_CLOEXEC'],
      return_code: 3,
      cgroup_id: 12345,
    }),
    envelope('session.network', {
      pid: 4244,
      program: 'curl',
      src_addr: '10.0.0.2',
      src_port: 40000,
      dst_addr: '93.184.216.34',
      dst_port: 443,
      ip_version: 4,
      protocol: 'tcp',
      return_code: 0,
      cgroup_id: 12345,
    }),
    envelope('session.end', { exit_code: 0, duration_ms: 1234.5, bytes_in: 100, bytes_out: 2000 }),
    envelope(
      'audit.loss',
      {
        source: 'sink:es',
        reason: 'queue_full',
        count: 7,
        window_start: new Date(Date.now() - 10_000).toISOString(),
        window_end: new Date().toISOString(),
      },
      false,
    ),
  ];
}

/** n session.command events (for volume tests and benches). */
export function commandEvents(n: number): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      envelope('session.command', {
        pid: 1000 + i,
        ppid: 999,
        program: 'echo',
        path: '/usr/bin/echo',
        argv: ['echo', `n${i}`],
        argv_truncated: false,
        return_code: 0,
        cgroup_id: 1,
        uid: 1000,
        gid: 1000,
      }),
    );
  }
  return out;
}

export interface CapturedLogger extends Logger {
  lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    write: (l) => lines.push(l),
  });
  return Object.assign(logger, { lines });
}

export function sinkContext(name: string, logger: Logger = captureLogger()): SinkContext {
  return { name, logger, dataDir: '/tmp', hostname: 'host-a', serverId: 'srv-test' };
}

/** The outcome of each event of an n-event batch, whatever shape the result has. */
export function outcomes(result: SendResult, n: number): EventOutcome[] {
  return result.kind === 'batch' ? Array.from({ length: n }, () => result.outcome) : [...result.outcomes];
}

export function statuses(result: SendResult, n: number): string[] {
  return outcomes(result, n).map((o) => o.status);
}

export const signal = () => AbortSignal.timeout(20_000);

/**
 * A sink's options as `create` gets them from the pipeline: checked against the type's schema,
 * defaults filled in (the only place defaults live), here for one sink entry of `raw` keys.
 */
export function sinkOptions<T = Record<string, unknown>>(type: SinkType, raw: Record<string, unknown>): T {
  const { sinks } = resolveSettings({ sinks: [{ ...raw, type: type.type }] }, [type]);
  return sinks[0]?.options as T;
}

/** A sink built as the pipeline builds it: options through the schema first, then `create`. */
export async function createSink(
  type: SinkType,
  raw: Record<string, unknown>,
  ctx: SinkContext,
): Promise<Sink> {
  return type.create(sinkOptions(type, raw), ctx);
}
