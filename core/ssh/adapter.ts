/**
 * ssh2 behind one adapter. ssh2 hands every step to the application as an event carrying
 * `accept`/`reject` callbacks; here each becomes a typed async policy hook, and the adapter makes
 * sure exactly one of accept or reject is called per request: a hook that throws, or a request
 * nobody handles, is rejected. Nothing else in sshtrail imports ssh2's server API.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Logger } from '../log.js';
import { type offeredAlgorithms, userKeyAlgorithms } from './algorithms.js';
import { HandshakeWatch } from './handshake.js';
import { type TerminalMode, terminalModes } from './terminal-modes.js';

export interface Peer {
  ip: string;
  port: number;
}

export interface AuthRequest {
  method: string;
  login: string;
  /** publickey only. */
  key?: { algo: string; data: Buffer };
  /** publickey with a signature; absent when the client only asks whether a key would do. */
  signature?: Buffer;
  blob?: Buffer;
  hashAlgo?: string;
}

/** `disconnect`: reject and close the connection (attempt limit). */
export type AuthAnswer = 'accept' | 'reject' | 'disconnect';

export interface PtyRequest {
  term: string;
  cols: number;
  rows: number;
  /** The client's terminal modes, in the order sent (applied to the PTY by the launcher). */
  modes: TerminalMode[];
}

export type Channel = ssh2.ServerChannel;

type MaybePromise<T> = T | Promise<T>;
export type StartDecision = ((ch: Channel) => void) | undefined;

/**
 * Handlers for one session channel's requests. Missing handlers mean "reject". A handler that
 * answers synchronously is answered in the same tick, which matters: a client that sends EOF
 * right behind its exec request (`ssh host cmd </dev/null`) makes ssh2 drop any later accept.
 */
export interface SessionHandlers {
  pty?(req: PtyRequest): MaybePromise<boolean>;
  env?(name: string, value: string): MaybePromise<boolean>;
  windowChange?(size: { cols: number; rows: number }): void;
  signal?(name: string): MaybePromise<boolean>;
  /** Return a function to receive the opened channel, or undefined to reject. */
  shell?(): MaybePromise<StartDecision>;
  exec?(command: string): MaybePromise<StartDecision>;
  /** auth-agent-req@openssh.com (ssh -A): true to accept. */
  agent?(): MaybePromise<boolean>;
  /** x11-req: always refused (sshtrail has no X11 forwarding); told so the session can say why. */
  x11Refused?(): void;
  /** A subsystem (`sftp`...) by name: started like exec, or undefined to refuse it. */
  subsystem?(name: string): MaybePromise<StartDecision>;
  /** The channel closed (by either side). */
  closed?(): void;
}

/** A direct-tcpip channel open (`ssh -L`, `-D`, `-W`/`-J`): where to, and from where (as the client says). */
export interface DirectTcpip {
  host: string;
  port: number;
  originAddr: string;
  originPort: number;
}

export interface ConnectionHooks {
  authenticate(req: AuthRequest): Promise<AuthAnswer>;
  /** An authenticated client opens a session channel: handlers, or undefined to refuse it. */
  session(): Promise<SessionHandlers | undefined>;
  /** direct-tcpip: a function to receive the opened channel, or undefined to refuse it. */
  directTcpip?(req: DirectTcpip): Promise<StartDecision>;
  /** tcpip-forward (`ssh -R`): the port now listened on (the chosen one for 0), or undefined. */
  tcpipForward?(host: string, port: number): Promise<number | undefined>;
  cancelTcpipForward?(host: string, port: number): Promise<boolean>;
  /** The connection is gone (whatever the reason). */
  closed(): void;
}

export interface ConnectionControl {
  readonly peer: Peer;
  /** The server's end of the connection (which listen address it came in on). */
  readonly local?: Peer;
  /** The client's identification string ("SSH-2.0-OpenSSH_9.2p1 Debian-2"), for logs. */
  readonly ident: string;
  /** Authentication succeeded: the connection no longer counts as unauthenticated. */
  authenticated(): void;
  /** Opens a forwarded-tcpip channel to the client (a connection to a remote forward). */
  forwardOut(bound: { host: string; port: number }, origin: Peer): Promise<Channel>;
  /** Opens an auth-agent@openssh.com channel to the client (agent forwarding's relay). */
  openAgentChannel(): Promise<Channel>;
  end(): void;
}

/** A socket let in by `admit`; told when it authenticated and when it closed. */
export interface Admission {
  /** The login the client last asked for (names it in later events). */
  login?: string;
  /** An authentication attempt other than the "none" probe failed. */
  failedAttempt?(): void;
  /** ssh2's protocol layer rejected something the client sent. */
  protocolError?(): void;
  authenticated(): void;
  closed(): void;
}

export interface SshServerOptions {
  hostKeys: ssh2.ParsedKey[];
  /** What is offered; `serverHostKey` picks and orders the host keys by their type. */
  algorithms: ReturnType<typeof offeredAlgorithms>;
  ident: string;
  keepaliveInterval: number;
  keepaliveCountMax: number;
  /** Seconds a client has from accept() to a finished key exchange (0: only the grace time). */
  kexTimeout: number;
  /**
   * Text sent before authentication (SSH_MSG_USERAUTH_BANNER), as sshd's Banner: asked for once
   * per connection (sshd reads the file per connection, so an edit shows at the next login).
   */
  banner?: () => string | undefined;
  log: Logger;
  /**
   * Before the handshake: undefined drops the socket at once (e.g. too many unauthenticated).
   * `drop` closes the socket later (login grace time).
   */
  admit(peer: Peer, drop: () => void): Admission | undefined;
  /** `admission`: what `admit` returned for this connection's socket. */
  connection(conn: ConnectionControl, admission: Admission | undefined): ConnectionHooks;
}

/**
 * The host keys offered, in the order of the algorithm list: ssh2's server offers one algorithm
 * per key, by the key's type, in the order of the keys (its `serverHostKey` only orders RSA
 * signature names), so the list is applied here.
 */
export function offeredHostKeys(keys: readonly ssh2.ParsedKey[], order: readonly string[]): ssh2.ParsedKey[] {
  return order.flatMap((type) => keys.filter((k) => k.type === type));
}

/** What openAgentChannel reaches inside ssh2's server-side connection (see there). */
interface ChannelOpener {
  _chanMgr: { add(cb: (err: Error | undefined, ch: Channel) => void): number; remove(id: number): void };
  _protocol: { openssh_authAgent(chan: number, initWindow: number, maxPacket: number): void };
}

/**
 * ssh2 1.17's server can open forwarded-tcpip, x11 and streamlocal channels to the client but not
 * auth-agent@openssh.com, although its protocol layer writes that CHANNEL_OPEN: this does what its
 * private openChannel() does for the others (the channel manager routes the confirmation or
 * failure to the callback; window and packet size as ssh2 uses for every channel it opens).
 */
function openAgentChannel(client: ssh2.Connection): Promise<Channel> {
  const c = client as unknown as ChannelOpener;
  return new Promise((resolve, reject) => {
    const done = Object.assign((err: Error | undefined, ch: Channel) => (err ? reject(err) : resolve(ch)), {
      type: 'auth-agent@openssh.com',
    });
    const id = c._chanMgr.add(done);
    if (id === -1) return reject(new Error('no free channels'));
    try {
      c._protocol.openssh_authAgent(id, 2 * 1024 * 1024, 32 * 1024);
    } catch (err) {
      c._chanMgr.remove(id);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

/** Runs a decision; calls exactly one of accept/reject whatever happens. */
function decide(
  what: string,
  log: Logger,
  accept: (() => unknown) | undefined,
  reject: (() => unknown) | undefined,
  decision: () => MaybePromise<boolean>,
): void {
  let done = false;
  const finish = (ok: boolean) => {
    if (done) return;
    done = true;
    ok ? accept?.() : reject?.();
  };
  const failed = (err: unknown) => {
    log.error('request handler failed; rejected', { request: what, err: String(err) });
    finish(false);
  };
  try {
    const r = decision();
    if (r instanceof Promise) r.then(finish, failed);
    else finish(r);
  } catch (err) {
    failed(err);
  }
}

export class SshServer {
  /** One listening socket per listen address. */
  private readonly nets: NetServer[] = [];
  private ssh: ssh2.Server;
  private readonly sockets = new Set<Socket>();
  /** Keyed by "ip port": ssh2's connection event names the peer, not the socket. */
  private readonly admissions = new Map<string, { admission: Admission; kex: KexWatch; local: Peer }>();

  constructor(private opts: SshServerOptions) {
    this.ssh = this.protocol(opts);
  }

  /**
   * ssh2 fixes host keys, ident and keepalive when its Server is made, and each connection keeps
   * the Server it was injected into: a reload makes a new one for the sockets accepted from then
   * on, while connections already open finish on the old one (it never listens itself).
   */
  private protocol(opts: SshServerOptions): ssh2.Server {
    const config = {
      // Already parsed (see host-keys.ts); ssh2 accepts parsed keys under `key`.
      hostKeys: offeredHostKeys(opts.hostKeys, opts.algorithms.serverHostKey).map(
        (key) => ({ key }) as unknown as Buffer,
      ),
      ident: opts.ident,
      algorithms: opts.algorithms,
      // Read by the patched ssh2 (patches/README.md): ssh2's own list offers ssh-rsa and ssh-dss.
      serverSigAlgs: [...userKeyAlgorithms],
      keepaliveInterval: opts.keepaliveInterval > 0 ? opts.keepaliveInterval * 1000 : 0,
      keepaliveCountMax: opts.keepaliveCountMax,
    } as ssh2.ServerConfig;
    // ssh2 reads `banner` from this object when each connection's Client is made (and sends it
    // when the client asks for the ssh-userauth service): a getter makes it per connection.
    const banner = opts.banner;
    if (banner) Object.defineProperty(config, 'banner', { get: banner, enumerable: true });
    return new ssh2.Server(config, (client, info) =>
      this.onClient(client, { ip: info.ip, port: info.port }, info.header.identRaw.slice(0, 255)),
    );
  }

  /** New host keys, ident, keepalive and key-exchange timeout for connections accepted from now on. */
  reconfigure(
    change: Pick<
      SshServerOptions,
      | 'hostKeys'
      | 'algorithms'
      | 'ident'
      | 'keepaliveInterval'
      | 'keepaliveCountMax'
      | 'kexTimeout'
      | 'banner'
    >,
  ): void {
    const opts = { ...this.opts, ...change };
    if (change.banner === undefined) delete opts.banner;
    this.ssh = this.protocol(opts);
    this.opts = opts;
  }

  private onSocket(socket: Socket): void {
    // Without this the delayed-ACK timer dominates set-up: 104 ms -> 21 ms (docs/design.md).
    socket.setNoDelay(true);
    const peer = { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const admission = this.opts.admit(peer, () => socket.destroy());
    if (!admission) {
      socket.destroy();
      return;
    }
    const key = `${peer.ip} ${peer.port}`;
    const kex = new KexWatch(socket, peer, this.opts.kexTimeout, this.opts.log);
    const local = { ip: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.admissions.set(key, { admission, kex, local });
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.admissions.delete(key);
      kex.closed();
      admission.closed();
    });
    this.ssh.injectSocket(socket);
  }

  private onClient(client: ssh2.Connection, peer: Peer, ident: string): void {
    const log = this.opts.log;
    let closed = false;
    const pending = this.admissions.get(`${peer.ip} ${peer.port}`);
    const admission = pending?.admission;
    client.once('handshake', () => pending?.kex.done());
    const hooks = this.opts.connection(
      {
        peer,
        ...(pending ? { local: pending.local } : {}),
        ident,
        authenticated: () => admission?.authenticated(),
        forwardOut: (bound, origin) =>
          new Promise<Channel>((resolve, reject) => {
            client.forwardOut(bound.host, bound.port, origin.ip, origin.port, (err, ch) =>
              err ? reject(err) : resolve(ch as unknown as Channel),
            );
          }),
        openAgentChannel: () => openAgentChannel(client),
        end: () => client.end(),
      },
      admission,
    );
    const onClose = () => {
      if (closed) return;
      closed = true;
      hooks.closed();
    };
    client.on('close', onClose);
    client.on('error', (err: Error & { level?: string }) => {
      // 'protocol' errors are malformed or unexpected packets the client sent; 'handshake' ones
      // (no common algorithm) and 'socket' ones are not misbehaviour.
      if (err.level === 'protocol') admission?.protocolError?.();
      if (pending?.kex.failed(err.message)) return;
      log.debug('connection error', { client: peer.ip, err: err.message });
    });

    client.on('authentication', (ctx) => {
      const req: AuthRequest = { method: ctx.method, login: ctx.username };
      if (admission) admission.login = ctx.username;
      // A malformed publickey request can reach here without key data: then it names no key,
      // and is refused as such.
      if (ctx.method === 'publickey' && Buffer.isBuffer(ctx.key?.data)) {
        req.key = { algo: String(ctx.key.algo), data: ctx.key.data };
        if (ctx.signature) req.signature = ctx.signature;
        if (ctx.blob) req.blob = ctx.blob;
        if (ctx.hashAlgo) req.hashAlgo = ctx.hashAlgo;
      }
      // The answer is asynchronous: by then the client may have sent another request (ssh2 then
      // aborts this one) or gone. A stale answer is dropped, never applied to the request that
      // replaced it (ssh2 throws when one is given: found by the fuzz test).
      let stale = false;
      ctx.once('abort', () => {
        stale = true;
      });
      const answerWith = (apply: () => void) => {
        if (stale || closed) return;
        try {
          apply();
        } catch (err) {
          log.debug('authentication answer dropped', { client: peer.ip, err: String(err) });
        }
      };
      hooks.authenticate(req).then(
        (answer) =>
          answerWith(() => {
            if (answer === 'accept') ctx.accept();
            else {
              if (ctx.method !== 'none') admission?.failedAttempt?.();
              // At the attempt limit sshd answers with a disconnect, not one more failure.
              if (answer === 'disconnect') client.end();
              else ctx.reject(['publickey']);
            }
          }),
        (err: unknown) => {
          log.error('authentication handler failed; rejected', { err: String(err) });
          answerWith(() => ctx.reject(['publickey']));
        },
      );
    });

    client.on('ready', () => {
      client.on('session', (accept, reject) => {
        hooks.session().then(
          (handlers) => {
            if (!handlers) return reject();
            this.bindSession(accept(), handlers);
          },
          (err: unknown) => {
            log.error('session handler failed; rejected', { err: String(err) });
            reject();
          },
        );
      });
      client.on('tcpip', (accept, reject, info) => {
        if (!hooks.directTcpip) return reject();
        const open = hooks.directTcpip.bind(hooks);
        let use: StartDecision;
        decide(
          'direct-tcpip',
          log,
          () => {
            const ch = accept() as unknown as Channel;
            if (use) use(ch);
          },
          reject,
          async () => {
            use = await open({
              host: info.destIP,
              port: info.destPort,
              originAddr: info.srcIP,
              originPort: info.srcPort,
            });
            return use !== undefined;
          },
        );
      });
      client.on('request', (accept, reject, name, info) => {
        const want = info as { bindAddr?: string; bindPort?: number };
        const host = String(want.bindAddr ?? '');
        const port = Number(want.bindPort ?? -1);
        if (name === 'tcpip-forward' && hooks.tcpipForward) {
          const forward = hooks.tcpipForward.bind(hooks);
          let bound: number | undefined;
          decide(
            name,
            log,
            () => accept?.(bound),
            reject,
            async () => {
              bound = await forward(host, port);
              return bound !== undefined;
            },
          );
        } else if (name === 'cancel-tcpip-forward' && hooks.cancelTcpipForward) {
          const cancel = hooks.cancelTcpipForward.bind(hooks);
          decide(name, log, accept, reject, () => cancel(host, port));
        } else {
          log.info('global request refused', { request: name, client: peer.ip });
          reject?.();
        }
      });
      // No 'openssh.streamlocal' listener (unix socket forwarding): ssh2 rejects it itself.
    });
  }

  private bindSession(session: ssh2.Session, h: SessionHandlers): void {
    const log = this.opts.log;
    session.on('pty', (accept, reject, info) => {
      if (!h.pty) return reject?.();
      const pty = h.pty.bind(h);
      decide('pty-req', log, accept, reject, () =>
        pty({
          term: info.term,
          cols: info.cols,
          rows: info.rows,
          modes: terminalModes(info.modes as Readonly<Record<string, unknown>> | undefined),
        }),
      );
    });
    session.on('env', (accept, reject, info) => {
      if (!h.env) return reject?.();
      const env = h.env.bind(h);
      decide('env', log, accept, reject, () => env(info.key, info.val));
    });
    session.on('window-change', (accept, _reject, info) => {
      h.windowChange?.({ cols: info.cols, rows: info.rows });
      accept?.();
    });
    session.on('signal', (accept, reject, info) => {
      if (!h.signal) return reject?.();
      const signal = h.signal.bind(h);
      decide('signal', log, accept, reject, () => signal(info.name));
    });
    const start = (
      what: string,
      accept: (() => Channel) | undefined,
      reject: (() => void) | undefined,
      hook: () => MaybePromise<StartDecision>,
    ) => {
      let use: StartDecision;
      const got = (u: StartDecision) => {
        use = u;
        return u !== undefined;
      };
      decide(
        what,
        log,
        () => {
          const ch = accept?.();
          if (ch && use) use(ch);
        },
        reject,
        () => {
          const r = hook();
          return r instanceof Promise ? r.then(got) : got(r);
        },
      );
    };
    session.on('shell', (accept, reject) => {
      if (!h.shell) return reject?.();
      start('shell', accept, reject, h.shell.bind(h));
    });
    session.on('exec', (accept, reject, info) => {
      if (!h.exec) return reject?.();
      const exec = h.exec.bind(h);
      start('exec', accept, reject, () => exec(info.command));
    });
    session.on('subsystem', (accept, reject, info) => {
      if (!h.subsystem) {
        log.info('subsystem refused', { subsystem: info.name });
        return reject?.();
      }
      const subsystem = h.subsystem.bind(h);
      start(`subsystem ${info.name}`, accept, reject, () => subsystem(info.name));
    });
    session.on('auth-agent', (accept, reject) => {
      if (!h.agent) return reject?.();
      const agent = h.agent.bind(h);
      decide('auth-agent-req', log, accept, reject, () => agent());
    });
    session.on('x11', (_accept, reject) => {
      h.x11Refused?.();
      reject?.();
    });
    session.once('close', () => h.closed?.());
  }

  /** Opens one more listen address (each call a socket of its own). */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const net = createServer({ noDelay: true }, (socket) => this.onSocket(socket));
    this.nets.push(net);
    return new Promise((resolve, reject) => {
      net.once('error', reject);
      net.listen({ host, port, exclusive: true }, () => {
        net.off('error', reject);
        const a = net.address();
        if (a && typeof a === 'object') resolve({ host: a.address, port: a.port });
        else reject(new Error('no address'));
      });
    });
  }

  /** Stops accepting connections; existing ones go on. */
  stopAccepting(): void {
    // close()'s callback waits for every connection to end; shutdown does not wait for that here.
    for (const net of this.nets) net.close();
  }

  /** Drops every remaining socket (the end of shutdown). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/**
 * One socket's key exchange: a deadline for it, and one log line with the client's ident and
 * offered algorithms when it fails, times out or the client leaves before it finished. ssh2 keeps
 * quiet about all three (it even swallows errors before the client's ident).
 */
class KexWatch {
  private readonly seen: HandshakeWatch;
  private readonly timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    private readonly socket: Socket,
    private readonly peer: Peer,
    timeoutSeconds: number,
    private readonly log: Logger,
  ) {
    this.seen = new HandshakeWatch(socket);
    this.timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            this.report('key exchange timed out', { timeout_s: timeoutSeconds });
            this.socket.destroy();
          }, timeoutSeconds * 1000)
        : undefined;
  }

  /** The first key exchange finished: nothing more to watch. */
  done(): void {
    this.settle();
  }

  /** ssh2 reported an error; true when it ended the key exchange (and was logged here). */
  failed(reason: string): boolean {
    if (this.settled) return false;
    this.report('key exchange failed', { reason });
    return true;
  }

  closed(): void {
    if (!this.settled) this.report('connection closed before the key exchange finished', {});
  }

  private report(msg: string, extra: Record<string, unknown>): void {
    if (this.settled) return;
    this.log.info(msg, {
      client: this.peer.ip,
      client_port: this.peer.port,
      ...extra,
      ...this.seen.fields(),
    });
    this.settle();
  }

  private settle(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.seen.stop();
  }
}
