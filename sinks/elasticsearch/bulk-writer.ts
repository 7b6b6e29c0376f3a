/**
 * The `_bulk` body of a batch, written straight into one Buffer. The kernel event types
 * (session.command, session.disk, session.network: nearly all the volume) are written from
 * cached fragments -- per event type (action line, data_stream, event.*) and per session (host,
 * user, related, source, process.entry_leader) -- plus the event's own values and its canonical
 * JSON, with no document object and no per-event string. Every other event, and any event
 * whose fields are not of the schema's types, goes through `ecsDocument` and JSON.stringify.
 * Both write the same bytes (test/sinks/elasticsearch-bulk-writer.test.ts compares them).
 */
import { eventJson } from '../../core/events/json.js';
import { JsonWriter } from '../../core/sinks/json-writer.js';
import type { AuditEvent, EventOf } from '../../core/sinks/sink.js';
import { ECS_VERSION } from './ecs-fields.js';
import {
  baseName,
  dataStreamOf,
  datasetOf,
  dirName,
  diskEventType,
  ecsDocument,
  entryLeader,
  outcomeOfReturn,
  type SessionStarts,
  sessionPart,
  str,
} from './encoder.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const q = JSON.stringify;

/** Fragments of one event type. */
interface TypeParts {
  /** `{"create":{"_index":"<stream>","_id":` */
  action: Buffer;
  /** From after @timestamp's value to `"id":` in event. */
  beforeId: Buffer;
  /** From after event.id's value to before event.sequence. */
  afterId: Buffer;
}

/** A session's fragments, valid while the fields they were made from are unchanged. */
interface SessionParts {
  hostname: unknown;
  serverId: unknown;
  login: unknown;
  clientAddr: unknown;
  clientPort: unknown;
  /** `,"host":{..}` and, with a login, `,"user":{..},"related":{..}`. */
  head: Buffer;
  /** `,"source":{..}` (the SSH client), or empty. */
  source: Buffer;
  leaderStart: string | undefined;
  /** `"entry_leader":{..},` */
  leader: Buffer;
}

const FAST = new Set(['session.command', 'session.disk', 'session.network']);
type KernelEvent = EventOf<'session.command' | 'session.disk' | 'session.network'>;
const isKernel = (e: AuditEvent): e is KernelEvent => FAST.has(e.type);
/** Sessions whose fragments are kept; past this the cache starts over (it is only a cache). */
const MAX_SESSIONS = 10_000;

const TIMESTAMP = bytes('{"@timestamp":');
const SEQUENCE = bytes(',"sequence":');
const ID_END = bytes('}}\n');
const PROCESS_LEADER = bytes(',"process":{');
const PID = bytes('"pid":');
const NAME = bytes(',"name":');
const EXECUTABLE = bytes(',"executable":');
const ARGS = bytes(',"args":[');
const ARGS_COUNT = bytes('],"args_count":');
const COMMAND_LINE = bytes(',"command_line":');
const ENTITY_ID = bytes(',"entity_id":');
const PARENT = bytes(',"parent":{"pid":');
const USER_ID = bytes(',"user":{"id":');
const GROUP_ID = bytes(',"group":{"id":');
const FILE = bytes(',"file":{"path":');
const DIRECTORY = bytes(',"directory":');
const SOURCE = bytes(',"source":{"ip":');
const DESTINATION = bytes(',"destination":{"ip":');
const ADDRESS = bytes(',"address":');
const PORT = bytes(',"port":');
const NETWORK = bytes(',"network":{"transport":');
const NET_V4 = bytes(',"type":"ipv4","direction":"egress"}');
const NET_V6 = bytes(',"type":"ipv6","direction":"egress"}');
const SSHTRAIL = bytes(',"sshtrail":');
const DOC_END = bytes('}\n');

export class BulkWriter {
  private readonly types = new Map<string, TypeParts>();
  private readonly sessions = new Map<string, SessionParts>();
  /** event.category/type/outcome and the end of `event`, by type and outcome. */
  private readonly eventTails = new Map<string, Buffer>();
  private bytesPerEvent = 2048;

  constructor(
    private readonly namespace: string,
    private readonly starts?: SessionStarts,
  ) {}

  /** The NDJSON body of `batch` (create actions with the event id as _id). */
  encode(batch: readonly AuditEvent[]): Buffer {
    const w = new JsonWriter(Math.ceil(batch.length * this.bytesPerEvent * 1.1) + 4096);
    const starts = this.starts;
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i] as AuditEvent;
      starts?.note(e);
      if (!(isKernel(e) && this.fast(w, e))) this.generic(w, e);
      starts?.noteEnd(e);
    }
    if (batch.length > 0) this.bytesPerEvent = Math.max(256, Math.ceil(w.off / batch.length));
    return w.result();
  }

  /** Any event: the reference mapping, serialised by JSON.stringify. */
  private generic(w: JsonWriter, e: AuditEvent): void {
    w.raw(`{"create":{"_index":"${dataStreamOf(e.type, this.namespace)}","_id":${q(e.id)}}}\n`);
    const ecs = q(ecsDocument(e, this.namespace, this.starts));
    w.raw(ecs.slice(0, -1));
    w.bytes(SSHTRAIL);
    w.raw(eventJson(e));
    w.bytes(DOC_END);
  }

  /** The kernel event types from fragments; false (nothing written) when a field is not as the schema says. */
  private fast(w: JsonWriter, e: KernelEvent): boolean {
    const sid = e.session_id;
    if (typeof sid !== 'string' || sid === '' || typeof e.time !== 'string' || typeof e.id !== 'string')
      return false;
    if (typeof e.pid !== 'number' || typeof e.program !== 'string') return false;
    const command = e.type === 'session.command';
    const network = e.type === 'session.network';
    let argv: string[] = [];
    if (command) {
      if (typeof e.ppid !== 'number' || !Array.isArray(e.argv)) return false;
      argv = e.argv as string[];
      for (const a of argv) if (typeof a !== 'string') return false;
    } else if (network) {
      if (typeof e.src_addr !== 'string' || typeof e.dst_addr !== 'string') return false;
      if (typeof e.src_port !== 'number' || typeof e.dst_port !== 'number') return false;
    }
    const tp = this.typeParts(e.type);
    const sp = this.sessionParts(e, sid);

    // Action line.
    w.bytes(tp.action);
    w.str(e.id);
    w.bytes(ID_END);
    // @timestamp, ecs, data_stream, event.
    w.bytes(TIMESTAMP);
    w.str(e.time);
    w.bytes(tp.beforeId);
    w.str(e.id);
    w.bytes(tp.afterId);
    if (typeof e.seq === 'number') {
      w.bytes(SEQUENCE);
      w.num(e.seq);
    }
    const outcome = outcomeOfReturn(e.return_code);
    w.bytes(
      command
        ? this.eventTail('process', 'start', outcome)
        : network
          ? this.eventTail('network', 'connection', outcome)
          : this.eventTail('file', diskEventType(e), outcome),
    );
    // host, user, related, source (the SSH client; a connection's own ends for network events).
    w.bytes(sp.head);
    if (network) {
      if (sp.source.length > 0) {
        this.endpoint(w, SOURCE, e.src_addr as string, e.src_port as number);
        this.network(w, e);
      } else {
        this.network(w, e);
        this.endpoint(w, SOURCE, e.src_addr as string, e.src_port as number);
      }
      this.endpoint(w, DESTINATION, e.dst_addr as string, e.dst_port as number);
    } else {
      w.bytes(sp.source);
      const path = str(e.path);
      if (!command && path) {
        w.bytes(FILE);
        w.str(path);
        w.bytes(NAME);
        w.str(baseName(path));
        w.bytes(DIRECTORY);
        w.str(dirName(path));
        w.byte(0x7d);
      }
    }
    // process: entry_leader first, then the process itself.
    w.bytes(PROCESS_LEADER);
    w.bytes(this.leader(e, sid, sp));
    w.bytes(PID);
    w.num(e.pid);
    w.bytes(NAME);
    w.str(e.program);
    if (command) this.commandProcess(w, e, sid, argv);
    w.byte(0x7d);
    w.bytes(SSHTRAIL);
    w.raw(eventJson(e));
    w.bytes(DOC_END);
    return true;
  }

  private commandProcess(w: JsonWriter, e: EventOf<'session.command'>, sid: string, argv: string[]): void {
    const path = str(e.path);
    if (path) {
      w.bytes(EXECUTABLE);
      w.str(path);
    }
    w.bytes(ARGS);
    for (let i = 0; i < argv.length; i++) {
      if (i > 0) w.byte(0x2c);
      w.str(argv[i] as string);
    }
    w.bytes(ARGS_COUNT);
    w.num(argv.length);
    // command_line, entity ids, user and group ids: written in parts, no joined string per event.
    w.bytes(COMMAND_LINE);
    w.quote();
    for (let i = 0; i < argv.length; i++) {
      if (i > 0) w.byte(0x20);
      w.part(argv[i] as string);
    }
    w.quote();
    w.bytes(ENTITY_ID);
    w.quote();
    w.part(sid);
    w.byte(0x3a);
    w.partNum(e.pid as number);
    w.byte(0x3a);
    w.part(e.time);
    w.quote();
    w.bytes(PARENT);
    w.num(e.ppid as number);
    w.bytes(ENTITY_ID);
    w.quote();
    w.part(sid);
    w.byte(0x3a);
    w.partNum(e.ppid as number);
    w.quote();
    w.byte(0x7d);
    this.numericId(w, USER_ID, e.uid);
    this.numericId(w, GROUP_ID, e.gid);
  }

  /** `,"user":{"id":"1000"}` and the like: ECS ids are keywords, so the number is quoted. */
  private numericId(w: JsonWriter, start: Buffer, id: unknown): void {
    if (typeof id !== 'number') return;
    w.bytes(start);
    w.quote();
    w.partNum(id);
    w.quote();
    w.byte(0x7d);
  }

  private endpoint(w: JsonWriter, start: Buffer, addr: string, port: number): void {
    w.bytes(start);
    w.str(addr);
    w.bytes(ADDRESS);
    w.str(addr);
    w.bytes(PORT);
    w.num(port);
    w.byte(0x7d);
  }

  private network(w: JsonWriter, e: EventOf<'session.network'>): void {
    w.bytes(NETWORK);
    w.str(str(e.protocol) ?? 'tcp');
    w.bytes(e.ip_version === 6 ? NET_V6 : NET_V4);
  }

  private typeParts(type: string): TypeParts {
    let tp = this.types.get(type);
    if (!tp) {
      const dataset = q(datasetOf(type));
      tp = {
        action: bytes(`{"create":{"_index":"${dataStreamOf(type, this.namespace)}","_id":`),
        beforeId: bytes(
          `,"ecs":{"version":${q(ECS_VERSION)}},"data_stream":{"type":"logs","dataset":${dataset},"namespace":${q(this.namespace)}},"event":{"kind":"event","action":${q(type)},"id":`,
        ),
        afterId: bytes(`,"dataset":${dataset},"module":"sshtrail"`),
      };
      this.types.set(type, tp);
    }
    return tp;
  }

  private eventTail(category: string, type: string, outcome: string): Buffer {
    const key = `${category}/${type}/${outcome}`;
    let b = this.eventTails.get(key);
    if (!b) {
      const types = type === 'connection' ? ['connection', 'start'] : [type];
      b = bytes(`,${q({ category: [category], type: types, outcome }).slice(1)}`);
      this.eventTails.set(key, b);
    }
    return b;
  }

  private sessionParts(e: AuditEvent, sid: string): SessionParts {
    const sp = this.sessions.get(sid);
    if (
      sp &&
      sp.hostname === e.hostname &&
      sp.serverId === e.server_id &&
      sp.login === e.login &&
      sp.clientAddr === e.client_addr &&
      sp.clientPort === e.client_port
    )
      return sp;
    const { source, ...head } = sessionPart(e);
    const fresh: SessionParts = {
      hostname: e.hostname,
      serverId: e.server_id,
      login: e.login,
      clientAddr: e.client_addr,
      clientPort: e.client_port,
      head: bytes(`,${q(head).slice(1, -1)}`),
      source: source ? bytes(`,"source":${q(source)}`) : Buffer.alloc(0),
      leaderStart: undefined,
      leader: Buffer.alloc(0),
    };
    this.leaderOf(e, fresh);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.clear();
    this.sessions.set(sid, fresh);
    return fresh;
  }

  /** `"entry_leader":{..},` -- remade only when the session's start becomes known. */
  private leader(e: AuditEvent, sid: string, sp: SessionParts): Buffer {
    if (this.starts?.get(sid) !== sp.leaderStart) this.leaderOf(e, sp);
    return sp.leader;
  }

  private leaderOf(e: AuditEvent, sp: SessionParts): void {
    sp.leaderStart = e.session_id ? this.starts?.get(e.session_id) : undefined;
    sp.leader = bytes(`"entry_leader":${q(entryLeader(e, this.starts))},`);
  }
}
