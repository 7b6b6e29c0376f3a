/**
 * The recording SSH server: host keys, limits (unauthenticated connections, sessions per
 * connection and in total), grace and idle timers, and shutdown. Policy for each step lives in
 * auth.ts (who may log in) and, handed in by the composition root as services.ts's
 * ConnectionServices, core/session (what a session does) and core/forward (TCP forwards).
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ParsedKey } from 'ssh2';
import type { ServerConfig } from '../config/types.js';
import { SshtrailError } from '../errors.js';
import type { AuditEmitter } from '../events/emitter.js';
import type { Logger } from '../log.js';
import {
  type Admission,
  type ConnectionControl,
  type ConnectionHooks,
  offeredHostKeys,
  type Peer,
  SshServer,
} from './adapter.js';
import { AdmissionPolicy, type Refusal } from './admission.js';
import { offeredAlgorithms } from './algorithms.js';
import { ConnectionAuth } from './auth.js';
import { loadHostKeys } from './host-keys.js';
import { eventLogin, UNKNOWN_LOGIN } from './login-name.js';
import type { ConnectionServices, ServerForwards, ServerSession } from './services.js';

export { UNKNOWN_LOGIN };

const refusalText: Record<Refusal, string> = {
  connection_limit: 'too many unauthenticated connections',
  startups_early_drop: 'random early drop (many unauthenticated connections)',
  source_limit: 'too many unauthenticated connections from this address block',
  source_penalty: 'address block is penalised',
};

export interface ServerDeps {
  config: ServerConfig;
  emitter: AuditEmitter;
  /** Sessions, forwards and the launcher (core/compose wires core/session and core/forward in). */
  services: ConnectionServices;
  log: Logger;
}

/** What a reload changed beyond the config's keys. */
export interface ReconfigureResult {
  /** The host keys offered to new connections differ from the ones before. */
  hostKeysChanged: boolean;
  hostKeys: number;
}

export class SshtrailServer {
  private ssh: SshServer | undefined;
  private readonly admission: AdmissionPolicy;
  /** The configuration new connections get; each connection keeps the one it was accepted under. */
  private config: ServerConfig;
  private readonly acceptedUnder = new WeakMap<Admission, ServerConfig>();
  private hostKeys: ParsedKey[] = [];
  private readonly sessions = new Set<ServerSession>();
  private readonly connections = new Set<ConnectionControl>();
  private stopping = false;
  private address: Peer = { ip: '', port: 0 };

  constructor(private readonly deps: ServerDeps) {
    this.config = deps.config;
    this.admission = new AdmissionPolicy(deps.config.auth, {
      now: () => performance.now(),
      random: () => randomInt(0x1_0000_0000) / 0x1_0000_0000,
    });
  }

  /** Listens on every address (in order; the first failure throws), returns what each got. */
  async start(addresses: readonly { host: string; port: number }[]): Promise<Peer[]> {
    const { config } = this;
    const { log } = this.deps;
    this.hostKeys = usableHostKeys(config, loadHostKeys(config.data_dir, config.host_keys, log));
    this.ssh = new SshServer({
      ...protocolOptions(config, this.hostKeys, log),
      log,
      admit: (peer, drop) => this.admit(peer, drop),
      connection: (conn, admission) => this.connection(conn, admission),
    });
    const bound: Peer[] = [];
    for (const { host, port } of addresses) {
      const a = await this.ssh.listen(host, port).catch((err: unknown) => {
        this.ssh?.stopAccepting();
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), {
          listen: `${host}:${port}`,
        });
      });
      bound.push({ ip: a.host, port: a.port });
    }
    this.address = bound[0] ?? this.address;
    return bound;
  }

  /**
   * A reload: new connections get `config` and the host keys it names (read now; a key that
   * cannot be read throws before anything changed). Open connections and their sessions keep the
   * configuration they were accepted under, as with sshd. `listen` and `data_dir` are not read
   * again (see config/reload.ts).
   */
  reconfigure(config: ServerConfig): ReconfigureResult {
    const hostKeys = usableHostKeys(config, loadHostKeys(config.data_dir, config.host_keys, this.deps.log));
    const fingerprint = (keys: ParsedKey[]) =>
      keys.map((k) => `${k.type} ${k.getPublicSSH().toString('base64')}`).join('\n');
    const hostKeysChanged = fingerprint(hostKeys) !== fingerprint(this.hostKeys);
    this.ssh?.reconfigure(protocolOptions(config, hostKeys, this.deps.log));
    this.admission.reconfigure(config.auth);
    this.config = config;
    this.hostKeys = hostKeys;
    return { hostKeysChanged, hostKeys: hostKeys.length };
  }

  /**
   * Before the handshake: asks the admission policy (limits, early drop, penalties), runs the
   * login grace timer, and tells the policy how the connection went.
   */
  private admit(peer: Peer, drop: () => void): Admission | undefined {
    const { config } = this;
    const { emitter, log } = this.deps;
    if (this.stopping) return undefined;
    const decision = this.admission.admit(peer.ip);
    if (!decision.admitted) {
      emitter.emit(
        'auth.failure',
        { method: 'none', reason: decision.reason },
        { login: UNKNOWN_LOGIN, client_addr: peer.ip, client_port: peer.port },
      );
      log.warn(`refused connection: ${refusalText[decision.reason]}`, {
        client: peer.ip,
        ...(decision.block ? { block: decision.block } : {}),
        ...(decision.penaltyLeft !== undefined ? { penalty_left_s: Math.ceil(decision.penaltyLeft) } : {}),
      });
      return undefined;
    }
    const ticket = decision.ticket;
    const grace =
      config.auth.grace_time > 0
        ? setTimeout(() => {
            ticket.graceExceeded();
            emitter.emit(
              'auth.failure',
              { method: 'none', reason: 'grace_timeout' },
              { login: eventLogin(admission.login), client_addr: peer.ip, client_port: peer.port },
            );
            log.info('login grace time over', { client: peer.ip, port: peer.port });
            drop();
          }, config.auth.grace_time * 1000)
        : undefined;
    const admission: Admission = {
      failedAttempt: () => ticket.failedAttempt(),
      protocolError: () => ticket.protocolError(),
      authenticated: () => {
        if (grace) clearTimeout(grace);
        ticket.authenticated();
      },
      closed: () => {
        if (grace) clearTimeout(grace);
        const offence = ticket.closed();
        if (offence) log.debug('source penalised', { client: peer.ip, offence });
      },
    };
    this.acceptedUnder.set(admission, config);
    return admission;
  }

  private connection(conn: ConnectionControl, admission: Admission | undefined): ConnectionHooks {
    const config = (admission && this.acceptedUnder.get(admission)) ?? this.config;
    const { emitter, services, log } = this.deps;
    this.connections.add(conn);
    log.info('connection', { client: conn.peer.ip, port: conn.peer.port, ident: conn.ident });
    const auth = new ConnectionAuth(conn.peer, config.auth, emitter, log, config, services.launch);
    let authenticated = false;
    let open = 0;
    const mine = new Set<ServerSession>();

    let idle: NodeJS.Timeout | undefined;
    const idleMs = config.session.idle_timeout * 1000;
    const activity = () => idle?.refresh();
    // The connection's TCP forwards, made on the first forward request (core/forward).
    let forwards: ServerForwards | undefined;
    const forwarding = (): ServerForwards | undefined => {
      const account = auth.account;
      const user = auth.user;
      if (!authenticated || !account || !user || this.stopping) return undefined;
      activity();
      forwards ??= services.forwards({
        account,
        user,
        ...(auth.keyOptions ? { keyOptions: auth.keyOptions } : {}),
        forwarding: auth.policy?.forwarding ?? config.forwarding,
        client: conn.peer,
        forwardOut: conn.forwardOut,
        activity,
      });
      return forwards;
    };

    return {
      authenticate: async (req) => {
        const answer = await auth.authenticate(req);
        if (answer === 'accept' && auth.account && !authenticated) {
          authenticated = true;
          conn.authenticated();
          if (idleMs > 0) {
            idle = setTimeout(() => {
              log.info('idle timeout', { client: conn.peer.ip });
              conn.end();
            }, idleMs);
          }
        }
        return answer;
      },
      session: async () => {
        const account = auth.account;
        const user = auth.user;
        if (!authenticated || !account || !user || this.stopping) return undefined;
        // max_total bounds the whole server: the running value; the per-connection one is the
        // connection's own.
        if (
          open >= config.session.max_per_connection ||
          this.sessions.size >= this.config.session.max_total
        ) {
          log.warn('session refused: limit reached', { client: conn.peer.ip });
          return undefined;
        }
        open++;
        activity();
        const s = services.session(
          {
            account,
            user,
            ...(auth.keyOptions ? { keyOptions: auth.keyOptions } : {}),
            ...(auth.policy ? { policy: auth.policy } : {}),
            client: conn.peer,
            server: conn.local ?? this.address,
            activity,
            openAgentChannel: () => conn.openAgentChannel(),
          },
          config,
          (done) => {
            open--;
            mine.delete(done);
            this.sessions.delete(done);
          },
        );
        mine.add(s);
        this.sessions.add(s);
        return s;
      },
      directTcpip: async (req) => forwarding()?.directTcpip(req),
      tcpipForward: async (host, port) => forwarding()?.tcpipForward(host, port),
      cancelTcpipForward: async (host, port) => (await forwarding()?.cancelTcpipForward(host, port)) ?? false,
      closed: () => {
        log.info('connection closed', {
          client: conn.peer.ip,
          port: conn.peer.port,
          ident: conn.ident,
          ...(auth.account ? { login: auth.account.login } : { authenticated: false }),
        });
        this.connections.delete(conn);
        if (idle) clearTimeout(idle);
        for (const s of mine) s.closed();
        forwards?.close().catch((err: unknown) => log.error('closing forwards failed', { err: String(err) }));
      },
    };
  }

  /**
   * Stop accepting, tell every session, hang them up after `graceMs`, and wait until each has
   * ended (recording closed, session.end emitted) or `graceMs` more passed.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    await this.ssh?.stopAccepting();
    const live = [...this.sessions];
    const all = Promise.all(live.map((s) => s.ended));
    for (const s of live) s.notify('\r\nsshtrail: the server is shutting down\r\n');
    const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
    await Promise.race([all, wait(graceMs)]);
    for (const s of this.sessions) s.hangUp('SIGHUP');
    await Promise.race([all, wait(Math.min(graceMs, 2000))]);
    for (const s of this.sessions) s.hangUp('SIGKILL');
    await Promise.race([all, wait(2000)]);
    for (const c of this.connections) c.end();
    this.ssh?.destroyAll();
  }
}

/** The keys, unless host_key_algorithms leaves none of them offered (then a config error). */
function usableHostKeys(config: ServerConfig, keys: ParsedKey[]): ParsedKey[] {
  const order = offeredAlgorithms(config).serverHostKey;
  if (offeredHostKeys(keys, order).length === 0) {
    throw new SshtrailError(
      'SSHTRAIL_E_CONFIG',
      `host_key_algorithms: none of ${order.join(', ')} matches a host key (keys: ${[...new Set(keys.map((k) => k.type))].join(', ')})`,
    );
  }
  return keys;
}

/** The parts of the config ssh2 and the adapter fix per connection. */
function protocolOptions(config: ServerConfig, hostKeys: ParsedKey[], log: Logger) {
  const path = config.access.banner;
  return {
    ...(path !== undefined ? { banner: () => readBanner(path, log) } : {}),
    hostKeys,
    algorithms: offeredAlgorithms(config),
    ident: config.ident,
    keepaliveInterval: config.session.keepalive_interval,
    keepaliveCountMax: config.session.keepalive_count_max,
    kexTimeout: config.auth.kex_timeout,
  };
}

/**
 * access.banner's text, read for each connection as sshd does (a small file: one read before the
 * handshake). One trailing newline is dropped: ssh2 ends the text with CRLF. A file that cannot
 * be read is logged and no banner is sent, as sshd does.
 */
function readBanner(path: string, log: Logger): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    return text === '' ? undefined : text;
  } catch (err) {
    log.warn('access.banner cannot be read: no banner is sent', { path, err: String(err) });
    return undefined;
  }
}
