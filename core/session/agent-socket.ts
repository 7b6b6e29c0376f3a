/**
 * Agent forwarding's server end: a unix socket the session's programs reach through
 * SSH_AUTH_SOCK, each connection to it relayed over a new auth-agent@openssh.com channel to the
 * client's agent. The socket must be reachable by the login and no one else, and the server (root)
 * must never follow a path the login could change. So (docs/design.md, "Agent forwarding"):
 *   <base>            root-owned, 0711 (/run/sshtrail/agent as root): anyone may pass, no one list
 *                     or change it but root, so a session's directory cannot be renamed or replaced;
 *   <base>/<session>  made 0700 by root, the socket bound, chmod 0600 and handed to the login
 *                     while only root can enter, then the directory handed to the login;
 *   at the end        the socket unlinked and the directory removed (rmdir: what the login left in
 *                     it stays, logged, rather than root walking a tree the login controls).
 */
import { chmod, chown, lchown, lstat, mkdir, rmdir, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log.js';
import type { Account } from '../ssh/accounts.js';

/** Connections to one session's socket open at once (each holds a channel to the client). */
const MAX_CONNECTIONS = 64;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Where the per-session directories go: /run (cleared at boot) as root, the data dir otherwise. */
export function agentBaseDir(dataDir: string): string {
  return isRoot ? '/run/sshtrail/agent' : join(dataDir, 'agent');
}

/** Whether this server can give `account` a socket of its own (not as root: only its own user). */
export function canForwardAgentFor(account: Account): boolean {
  return isRoot || account.uid === process.getuid?.();
}

/** Creates `dir` (and parents) owned by the server, then checks it is a real directory of ours. */
async function ensureOwnedDir(dir: string, mode: number): Promise<void> {
  await mkdir(dir, { recursive: true, mode });
  const st = await lstat(dir);
  const uid = process.getuid?.() ?? 0;
  if (!st.isDirectory() || st.uid !== uid) {
    throw new Error(`${dir} is not a directory owned by uid ${uid}; refusing to put agent sockets there`);
  }
  if ((st.mode & 0o7777) !== mode) await chmod(dir, mode);
}

export interface AgentSocketOptions {
  account: Account;
  sessionId: string;
  baseDir: string;
  /** Opens an auth-agent@openssh.com channel to the client (rejects when the client refuses). */
  openChannel(): Promise<Duplex>;
  log: Logger;
}

export class AgentSocket {
  /** Connections made to the socket, and the ones that could not be relayed. */
  connections = 0;
  failedConnections = 0;
  private readonly open = new Set<Socket>();
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly path: string,
    private readonly server: Server,
    private readonly opts: AgentSocketOptions,
  ) {
    server.on('connection', (sock) => this.relay(sock));
  }

  static async create(opts: AgentSocketOptions): Promise<AgentSocket> {
    const { baseDir, sessionId, account } = opts;
    if (isRoot) await ensureOwnedDir(join(baseDir, '..'), 0o755);
    await ensureOwnedDir(baseDir, 0o711);
    const dir = join(baseDir, sessionId);
    // Not recursive: an existing entry (which only root could have made) is an error, never reused.
    await mkdir(dir, { mode: 0o700 });
    const path = join(dir, 'agent.sock');
    const server = createServer({ allowHalfOpen: true });
    server.maxConnections = MAX_CONNECTIONS;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
      await chmod(path, 0o600);
      if (isRoot) {
        await lchown(path, account.uid, account.gid);
        await chown(dir, account.uid, account.gid);
      }
    } catch (err) {
      server.close();
      await unlink(path).catch(() => {});
      await rmdir(dir).catch(() => {});
      throw err;
    }
    return new AgentSocket(dir, path, server, opts);
  }

  private relay(sock: Socket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    this.connections++;
    this.open.add(sock);
    sock.once('close', () => this.open.delete(sock));
    sock.on('error', () => {});
    sock.pause();
    this.opts.openChannel().then(
      (ch) => {
        if (sock.destroyed || this.closed) {
          ch.destroy();
          return;
        }
        ch.on('error', () => {});
        // Half-closes pass through: ssh-add writes its request and may shut its side first.
        sock.pipe(ch);
        ch.pipe(sock);
        sock.once('close', () => ch.destroy());
        ch.once('close', () => sock.destroy());
        sock.resume();
      },
      (err: unknown) => {
        this.failedConnections++;
        this.opts.log.info('agent connection not relayed: the client refused the agent channel', {
          session_id: this.opts.sessionId,
          err: String(err),
        });
        sock.destroy();
      },
    );
  }

  /** Stops relaying, ends the connections still open, removes the socket and its directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Node unlinks the socket path on close; whatever the login put there in its place goes too.
    await unlink(this.path).catch(() => {});
    try {
      await rmdir(this.dir);
    } catch (err) {
      this.opts.log.warn('agent socket directory not removed (the session left files in it)', {
        session_id: this.opts.sessionId,
        dir: this.dir,
        err: String(err),
      });
    }
  }
}

/**
 * What a crashed server left of a session's socket (crash-recovery.ts): the socket and the
 * directory, as at a normal end; a directory holding more stays.
 */
export async function removeAgentDir(baseDir: string, sessionId: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/.test(sessionId)) return;
  const dir = join(baseDir, sessionId);
  await unlink(join(dir, 'agent.sock')).catch(() => {});
  await rmdir(dir).catch(() => {});
}
