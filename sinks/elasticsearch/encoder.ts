/**
 * Encodes sshtrail events as ECS documents and a `_bulk` NDJSON body.
 *
 * Dataset mapping (documented in the config schema): the event type with "." replaced by "_",
 * prefixed with "sshtrail." -- session.command goes to `logs-sshtrail.session_command-<ns>`.
 * The canonical event is appended verbatim under `sshtrail` (its JSON is serialised once per
 * event, shared with the other sinks). A syscall return code never becomes process.exit_code
 * (ECS reserves that for process end): it is event.outcome plus sshtrail.return_code.
 */
import { eventJson } from '../../core/events/json.js';
import type { AuditEvent } from '../../core/sinks/sink.js';
import { ECS_VERSION } from './ecs-fields.js';

type Doc = Record<string, unknown>;

export function datasetOf(type: string): string {
  return `sshtrail.${type.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
}

export function dataStreamOf(type: string, namespace: string): string {
  return `logs-${datasetOf(type)}-${namespace}`;
}

/** Remembers when each session started, for process.entry_leader.start. Bounded. */
export class SessionStarts {
  private readonly starts = new Map<string, string>();
  constructor(private readonly max = 100_000) {}
  note(event: AuditEvent): void {
    const id = event.session_id;
    if (!id) return;
    if (event.type === 'session.start') {
      if (this.starts.size >= this.max) {
        const oldest = this.starts.keys().next().value;
        if (oldest !== undefined) this.starts.delete(oldest);
      }
      this.starts.set(id, event.time);
    }
  }
  get(id: string): string | undefined {
    return this.starts.get(id);
  }
  forget(id: string): void {
    this.starts.delete(id);
  }
  /**
   * After the session's last event: session.end, or session.linger.end when session.end said
   * processes linger (their events still come, under the session's entry leader).
   */
  noteEnd(event: AuditEvent): void {
    const id = event.session_id;
    if (!id) return;
    const last =
      event.type === 'session.linger.end' ||
      (event.type === 'session.end' && !(typeof event.lingering === 'number' && event.lingering > 0));
    if (last) this.starts.delete(id);
  }
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function outcomeOfReturn(rc: unknown): 'success' | 'failure' | 'unknown' {
  if (typeof rc !== 'number') return 'unknown';
  return rc < 0 ? 'failure' : 'success';
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i > 0 ? path.slice(0, i) : '/';
}

/**
 * The session's part of a document, the same for every event of a session: host, user and
 * related (when there is a login), source (the SSH client, when known). Keys in document order.
 */
export function sessionPart(e: AuditEvent): Doc {
  const part: Doc = { host: { name: e.hostname, hostname: e.hostname, id: e.server_id } };
  const login = str(e.login);
  const clientAddr = str(e.client_addr);
  if (login) {
    part.user = { name: login };
    part.related = { user: [login], ...(clientAddr ? { ip: [clientAddr] } : {}) };
  }
  if (clientAddr) {
    part.source = {
      ip: clientAddr,
      address: clientAddr,
      ...(num(e.client_port) !== undefined ? { port: e.client_port } : {}),
    };
  }
  return part;
}

/** process.entry_leader: every event of a session carries it, so Kibana's Session View groups them. */
export function entryLeader(e: AuditEvent, starts?: SessionStarts): Doc | undefined {
  if (!e.session_id) return undefined;
  const login = str(e.login);
  const clientAddr = str(e.client_addr);
  const leader: Doc = {
    entity_id: e.session_id,
    entry_meta: { type: 'sshd', ...(clientAddr ? { source: { ip: clientAddr } } : {}) },
  };
  const start = starts?.get(e.session_id) ?? (e.type === 'session.start' ? e.time : undefined);
  if (start) leader.start = start;
  if (login) leader.user = { name: login };
  if (e.type === 'session.start' && typeof e.pty === 'boolean') leader.interactive = e.pty;
  return leader;
}

/** event.type of a session.disk event, from its open flags. */
export function diskEventType(e: AuditEvent): string {
  const flags = 'flag_names' in e && Array.isArray(e.flag_names) ? (e.flag_names as string[]) : [];
  return flags.includes('O_CREAT')
    ? 'creation'
    : flags.some((f) => f === 'O_WRONLY' || f === 'O_RDWR' || f === 'O_TRUNC' || f === 'O_APPEND')
      ? 'change'
      : 'access';
}

/**
 * The ECS fields of one event, without the canonical `sshtrail` object. This is the reference
 * mapping: the bulk writer (bulk-writer.ts) writes the same bytes without building it for the
 * frequent kernel event types, and uses it for every other event.
 */
/** event.* of a session's end (session.end, or session.linger.end under on_end keep). */
function sessionEnded(
  event: Doc,
  e: { time: string; session_id?: string; duration_ms?: number },
  starts?: SessionStarts,
): void {
  event.category = ['session'];
  event.type = ['end'];
  event.end = e.time;
  const start = e.session_id ? starts?.get(e.session_id) : undefined;
  if (start) event.start = start;
  if (typeof e.duration_ms === 'number') event.duration = Math.round(e.duration_ms * 1e6);
}

export function ecsDocument(e: AuditEvent, namespace: string, starts?: SessionStarts): Doc {
  const dataset = datasetOf(e.type);
  const event: Doc = {
    kind: 'event',
    action: e.type,
    id: e.id,
    dataset,
    module: 'sshtrail',
  };
  if (typeof e.seq === 'number') event.sequence = e.seq;
  const doc: Doc = {
    '@timestamp': e.time,
    ecs: { version: ECS_VERSION },
    data_stream: { type: 'logs', dataset, namespace },
    event,
    ...sessionPart(e),
  };
  const process: Doc = {};
  const leader = entryLeader(e, starts);
  if (leader) process.entry_leader = leader;
  switch (e.type) {
    case 'auth.success':
    case 'auth.failure': {
      event.category = ['authentication'];
      event.type = ['start'];
      event.outcome = e.type === 'auth.success' ? 'success' : 'failure';
      if ('reason' in e && str(e.reason)) event.reason = e.reason;
      break;
    }
    case 'session.start': {
      event.category = ['session'];
      event.type = ['start'];
      event.outcome = 'success';
      event.start = e.time;
      if (typeof e.pty === 'boolean') process.interactive = e.pty;
      break;
    }
    case 'session.end': {
      sessionEnded(event, e, starts);
      event.outcome =
        e.signal !== undefined
          ? 'failure'
          : e.exit_code === 0
            ? 'success'
            : typeof e.exit_code === 'number'
              ? 'failure'
              : 'unknown';
      break;
    }
    case 'session.linger.end': {
      // What the session left running has ended: the session's true end.
      sessionEnded(event, e, starts);
      event.outcome = 'unknown';
      if ('reason' in e && str(e.reason)) event.reason = e.reason;
      break;
    }
    case 'session.command': {
      event.category = ['process'];
      event.type = ['start'];
      event.outcome = outcomeOfReturn(e.return_code);
      const argv = Array.isArray(e.argv)
        ? (e.argv as unknown[]).filter((a): a is string => typeof a === 'string')
        : [];
      Object.assign(process, {
        pid: e.pid,
        name: e.program,
        ...(str(e.path) ? { executable: e.path } : {}),
        args: argv,
        args_count: argv.length,
        command_line: argv.join(' '),
        entity_id: `${e.session_id ?? e.server_id}:${String(e.pid)}:${e.time}`,
        parent: { pid: e.ppid, ...(e.session_id ? { entity_id: `${e.session_id}:${String(e.ppid)}` } : {}) },
        ...(num(e.uid) !== undefined ? { user: { id: String(e.uid) } } : {}),
        ...(num(e.gid) !== undefined ? { group: { id: String(e.gid) } } : {}),
      });
      break;
    }
    case 'session.disk': {
      event.category = ['file'];
      event.type = [diskEventType(e)];
      event.outcome = outcomeOfReturn(e.return_code);
      const path = str(e.path);
      if (path) doc.file = { path, name: baseName(path), directory: dirName(path) };
      Object.assign(process, { pid: e.pid, name: e.program });
      break;
    }
    case 'session.network': {
      event.category = ['network'];
      event.type = ['connection', 'start'];
      event.outcome = outcomeOfReturn(e.return_code);
      doc.network = {
        transport: str(e.protocol) ?? 'tcp',
        type: e.ip_version === 6 ? 'ipv6' : 'ipv4',
        direction: 'egress',
      };
      // Here source/destination are the connection's own ends, not the SSH client.
      doc.source = { ip: e.src_addr, address: e.src_addr, port: e.src_port };
      doc.destination = { ip: e.dst_addr, address: e.dst_addr, port: e.dst_port };
      Object.assign(process, { pid: e.pid, name: e.program });
      break;
    }
    case 'session.forward': {
      // A tunnel through the server: from the originator to the target (local, -L/-D/-J) or to
      // the listener the server opened for the client (remote, -R).
      const local = e.direction === 'local';
      const listening = e.action === 'listen' || e.action === 'unlisten';
      event.category = ['network'];
      event.action = `forward-${str(e.action) ?? 'open'}`;
      const phase = e.action === 'close' || e.action === 'unlisten' ? 'end' : 'start';
      event.type = listening ? [phase] : ['connection', phase];
      event.outcome = e.result === 'ok' ? 'success' : 'failure';
      if ('reason' in e && str(e.reason)) event.reason = e.reason;
      if (typeof e.duration_ms === 'number') event.duration = Math.round(e.duration_ms * 1e6);
      doc.network = { transport: 'tcp', direction: local ? 'egress' : 'ingress' };
      if (str(e.originator_addr)) {
        const source: Record<string, unknown> = { address: e.originator_addr, port: e.originator_port };
        if (typeof e.bytes_in === 'number') source.bytes = e.bytes_in;
        doc.source = source;
      }
      const dest: Record<string, unknown> = local
        ? {
            address: e.target_host,
            ...(str(e.target_addr) ? { ip: e.target_addr } : {}),
            port: e.target_port,
          }
        : { address: e.bind_addr ?? e.listen_host, port: e.listen_port };
      if (typeof e.bytes_out === 'number') dest.bytes = e.bytes_out;
      doc.destination = dest;
      break;
    }
    case 'session.agent': {
      // Agent forwarding granted, refused or closed at the session's end.
      event.category = ['session'];
      event.type = e.action === 'granted' ? ['allowed'] : e.action === 'refused' ? ['denied'] : ['end'];
      event.outcome = e.action === 'refused' ? 'failure' : 'success';
      if ('reason' in e && str(e.reason)) event.reason = e.reason;
      break;
    }
    case 'audit.loss': {
      // Events that never reached a sink: an ingestion problem, not host activity.
      event.kind = 'pipeline_error';
      event.reason = str(e.reason);
      if (str(e.window_start)) event.start = e.window_start;
      if (str(e.window_end)) event.end = e.window_end;
      break;
    }
    default: {
      event.type = ['info'];
      if ('message' in e && str(e.message)) doc.message = e.message;
      if ('test' in e && e.test === true) doc.tags = ['sshtrail_test'];
    }
  }
  if (Object.keys(process).length > 0) doc.process = process;
  return doc;
}

/** One ECS document as JSON, with the canonical event spliced in as `sshtrail` (no re-serialising). */
export function encodeDocument(e: AuditEvent, namespace: string, starts?: SessionStarts): string {
  const ecs = JSON.stringify(ecsDocument(e, namespace, starts));
  return `${ecs.slice(0, -1)},"sshtrail":${eventJson(e)}}`;
}

/** The action line of one event: `create` with a deterministic _id (the event id). */
function actionLine(e: AuditEvent, namespace: string): string {
  return `{"create":{"_index":"${dataStreamOf(e.type, namespace)}","_id":${JSON.stringify(e.id)}}}\n`;
}

/**
 * The `_bulk` body as one string: a `create` with a deterministic _id (the event id) per event,
 * so a retry never duplicates. The reference for BulkWriter (bulk-writer.ts), which the sink uses.
 */
export function encodeBulk(batch: readonly AuditEvent[], namespace: string, starts?: SessionStarts): string {
  let body = '';
  for (const e of batch) {
    starts?.note(e);
    body += actionLine(e, namespace);
    body += `${encodeDocument(e, namespace, starts)}\n`;
    starts?.noteEnd(e);
  }
  return body;
}
