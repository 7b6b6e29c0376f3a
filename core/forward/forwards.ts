/**
 * One connection's TCP forwards: direct-tcpip (`ssh -L`, `-D`, `-J`) and tcpip-forward (`ssh -R`).
 *
 * Forwards belong to the connection, not to a session channel (RFC 4254 7): `ssh -N -L` or a
 * ControlMaster has none, and a session may end while its connection's tunnels go on. So the
 * connection's forwards form an audit session of their own, started with the first forward: one
 * session_id, one cgroup (SessionHooks.prepare), and one helper (sshtrail-fwd) running as the login
 * inside it, which makes every connect() and listen(). Kernel events of those connects
 * (session.network) carry that session_id, as do the session.forward events written here. It
 * ends with the connection: listeners closed, forwarded connections destroyed, close events
 * written, then the cgroup removed (SessionHooks.finish). docs/design.md, "TCP forwarding".
 */
import { randomUUID } from 'node:crypto';
import { closeSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import type { AuditEmitter, SessionContext } from '../events/emitter.js';
import type { FieldsOf } from '../events/event.js';
import type { Logger } from '../log.js';
import type { SessionHooks } from '../session/hooks.js';
import type { Channel, DirectTcpip, StartDecision } from '../ssh/adapter.js';
import type { ForwardStart } from '../ssh/services.js';
import { ForwardHelper } from './helper.js';
import { bindAddress, mayListen, mayOpen, type Verdict } from './policy.js';
import { type Relay, relay } from './relay.js';

/** The authenticated connection the forwards belong to, as core/ssh hands it over. */
type ForwardOwner = ForwardStart;

export interface ForwardDeps {
  emitter: AuditEmitter;
  hooks: SessionHooks;
  log: Logger;
}

interface Listener {
  id: number;
  /** As the client asked for it (the client matches forwarded-tcpip channels on it). */
  host: string;
  port: number;
  server: Server;
  started: number;
  connections: number;
}

/** What a forward's events share, before the action and result are known. */
type Fields = Omit<Forward, 'action' | 'result'>;
type Forward = FieldsOf<'session.forward'>;

export class ConnectionForwards {
  private ctx: SessionContext | undefined;
  private setup: Promise<ForwardHelper | string> | undefined;
  private helper: ForwardHelper | undefined;
  private readonly listeners = new Map<string, Listener>();
  private readonly relays = new Set<Relay>();
  private nextId = 1;
  private closed = false;
  private readonly log: Logger;

  constructor(
    private readonly owner: ForwardOwner,
    private readonly deps: ForwardDeps,
  ) {
    this.log = deps.log;
  }

  async directTcpip(req: DirectTcpip): Promise<StartDecision> {
    const id = this.nextId++;
    const base: Fields = {
      forward_id: id,
      direction: 'local',
      target_host: req.host,
      target_port: req.port,
      originator_addr: req.originAddr,
      originator_port: req.originPort,
    };
    const verdict = mayOpen(this.owner.forwarding, this.owner.keyOptions, req.host, req.port);
    if (!verdict.ok) return this.refuse('open', base, verdict);
    const helper = await this.start();
    if (typeof helper === 'string') return this.failed('open', base, 'setup_failed', helper);
    const started = Date.now();
    const r = await helper.connect(req.host, req.port);
    if (!r.ok) return this.failed('open', base, r.code, r.message);
    if (this.closed) {
      closeSync(r.fd);
      return undefined;
    }
    const opened = { ...base, target_addr: r.addr };
    this.emit({ action: 'open', ...opened, result: 'ok' });
    return (ch) => {
      const sock = new Socket({ fd: r.fd, allowHalfOpen: true, readable: true, writable: true });
      sock.setNoDelay(true);
      this.track(sock, ch, opened, started);
    };
  }

  async tcpipForward(host: string, port: number): Promise<number | undefined> {
    const id = this.nextId++;
    const base: Fields = { forward_id: id, direction: 'remote', listen_host: host, listen_port: port };
    if (port < 0 || port > 65535) return void this.failed('listen', base, 'EINVAL', 'bad port');
    const verdict = mayListen(this.owner.forwarding, this.owner.keyOptions, host, port);
    if (!verdict.ok) return void this.refuse('listen', base, verdict);
    const helper = await this.start();
    if (typeof helper === 'string') return void this.failed('listen', base, 'setup_failed', helper);
    const bind = bindAddress(this.owner.forwarding.gateway_ports, host);
    const r = await helper.listen(bind, port);
    if (!r.ok)
      return void this.failed(
        'listen',
        { ...base, bind_addr: bind === '*' ? '::' : bind },
        r.code,
        r.message,
      );
    if (this.closed) {
      closeSync(r.fd);
      return undefined;
    }
    const l: Listener = {
      id,
      host,
      port: r.port,
      server: createServer(),
      started: Date.now(),
      connections: 0,
    };
    const fields = { ...base, listen_port: r.port, bind_addr: r.addr };
    try {
      await new Promise<void>((resolve, reject) => {
        l.server.once('error', reject);
        l.server.listen({ fd: r.fd }, () => {
          l.server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      l.server.close();
      return void this.failed('listen', fields, 'EIO', String(err));
    }
    l.server.on('error', (err) => this.log.warn('remote forward listener failed', { err: String(err) }));
    l.server.on('connection', (sock) => this.accepted(l, fields, sock));
    this.listeners.set(`${host} ${r.port}`, l);
    this.log.info('remote forward listening', { ...fields, session_id: this.ctx?.session_id });
    this.emit({ action: 'listen', ...fields, result: 'ok' });
    return r.port;
  }

  async cancelTcpipForward(host: string, port: number): Promise<boolean> {
    const key = `${host} ${port}`;
    const l = this.listeners.get(key);
    if (!l) return false;
    this.listeners.delete(key);
    this.unlisten(l);
    return true;
  }

  /** The connection ended: every listener and forwarded connection with it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners.values()) this.unlisten(l);
    this.listeners.clear();
    for (const r of this.relays) r.destroy();
    this.helper?.close();
    const setup = this.setup;
    if (!setup || !this.ctx) return;
    await setup;
    // The close events are written from the relays' close callbacks: give them their turn.
    await new Promise((r) => setImmediate(r));
    try {
      await this.deps.hooks.finish(this.ctx);
    } catch (err) {
      this.log.error('forwarding finish failed (cgroup)', {
        session_id: this.ctx.session_id,
        err: String(err),
      });
    }
    this.deps.emitter.endSession?.(this.ctx.session_id);
  }

  private accepted(l: Listener, listen: Fields, sock: Socket): void {
    const id = this.nextId++;
    const origin = { ip: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    const fields: Fields = {
      ...listen,
      forward_id: id,
      listen_forward_id: l.id,
      originator_addr: origin.ip.replace(/^::ffff:(?=\d+\.)/, ''),
      originator_port: origin.port,
    };
    sock.pause();
    sock.on('error', () => {});
    const started = Date.now();
    this.owner
      .forwardOut({ host: l.host, port: l.port }, { ip: String(fields.originator_addr), port: origin.port })
      .then(
        (ch) => {
          if (this.closed) {
            sock.destroy();
            ch.close();
            return;
          }
          l.connections++;
          this.emit({ action: 'open', ...fields, result: 'ok' });
          sock.setNoDelay(true);
          this.track(sock, ch, fields, started);
          sock.resume();
        },
        (err: unknown) => {
          sock.destroy();
          this.failed('open', fields, 'client_refused', String(err));
        },
      );
  }

  private track(sock: Socket, ch: Channel, fields: Fields, started: number): void {
    const r = relay(sock, ch, this.owner.activity, (counts) => {
      this.relays.delete(r);
      this.emit({
        action: 'close',
        ...fields,
        bytes_in: counts.bytesIn,
        bytes_out: counts.bytesOut,
        duration_ms: Date.now() - started,
        result: 'ok',
      });
    });
    this.relays.add(r);
  }

  private unlisten(l: Listener): void {
    l.server.close();
    this.emit({
      action: 'unlisten',
      forward_id: l.id,
      direction: 'remote',
      listen_host: l.host,
      listen_port: l.port,
      connections: l.connections,
      duration_ms: Date.now() - l.started,
      result: 'ok',
    });
  }

  /** The connection's forwarding context, cgroup and helper, made once on first use. */
  private start(): Promise<ForwardHelper | string> {
    this.setup ??= (async () => {
      const { account, user, client } = this.owner;
      const ctx: SessionContext = {
        session_id: randomUUID(),
        login: account.login,
        user,
        client_addr: client.ip,
        client_port: client.port,
      };
      this.ctx = ctx;
      let cgroupDir: string | undefined;
      try {
        cgroupDir = (await this.deps.hooks.prepare(ctx)).cgroupDir;
      } catch (err) {
        this.log.error('forwarding set-up failed (cgroup)', { err: String(err) });
        return `cannot set up the forwarding cgroup: ${String(err)}`;
      }
      if (this.closed) return 'connection ended';
      try {
        this.helper = new ForwardHelper(account, cgroupDir, (why) => {
          if (!this.closed) this.log.warn(why, { session_id: ctx.session_id });
        });
      } catch (err) {
        return `cannot start the forwarding helper: ${String(err)}`;
      }
      this.log.info('forwarding started', { session_id: ctx.session_id, login: account.login });
      return this.helper;
    })();
    return this.setup;
  }

  private refuse(action: 'open' | 'listen', base: Fields, v: Verdict & { ok: false }): undefined {
    this.log.info(`forward refused: ${v.why}`, { ...base, client: this.owner.client.ip });
    this.emit({ action, ...base, result: 'refused', reason: v.reason }, true);
    return undefined;
  }

  private failed(action: 'open' | 'listen', base: Fields, code: string, message: string): undefined {
    this.log.info(`forward failed: ${message}`, { ...base, code, client: this.owner.client.ip });
    this.emit({ action, ...base, result: 'failed', reason: code }, true);
    return undefined;
  }

  /**
   * A refusal before anything was set up belongs to no forwarding session yet: it names none,
   * rather than starting a cgroup and helper only to refuse.
   */
  private emit(fields: Forward, maybeBefore = false): void {
    const { account, user, client } = this.owner;
    const ctx = this.ctx ?? {
      login: account.login,
      user,
      client_addr: client.ip,
      client_port: client.port,
    };
    if (!this.ctx && !maybeBefore) return;
    this.deps.emitter.emit('session.forward', asSent(fields), ctx);
  }
}

const PORT_FIELDS = ['listen_port', 'target_port', 'originator_port'] as const;
const TEXT_FIELDS = ['listen_host', 'target_host', 'originator_addr'] as const;
/** The schema's bound on a host or address as the client sent it. */
const MAX_TEXT = 1024;

/**
 * The client's values as an event can carry them: a port the protocol's uint32 put out of range
 * (a hostile or broken client; the request is refused) is left out, and text past the schema's
 * bound is cut, so that every refusal is still a valid event (found by the fuzz test).
 */
function asSent(fields: Forward): Forward {
  const out: Forward = { ...fields };
  for (const k of PORT_FIELDS) {
    const v = out[k];
    const ok = typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535;
    if (v !== undefined && !ok) delete out[k];
  }
  for (const k of TEXT_FIELDS) {
    const v = out[k];
    if (typeof v === 'string' && v.length > MAX_TEXT) out[k] = v.slice(0, MAX_TEXT);
  }
  return out;
}
