/**
 * What the SSH server hands an authenticated connection to, and gets from the composition root
 * (core/compose): sessions, TCP forwards and the launcher. core/ssh names only these interfaces,
 * so it never imports core/session or core/forward (which import core/ssh's accounts, peers and
 * channels); core/compose wires their implementations in.
 */
import type { Duplex } from 'node:stream';
import type { ServerConfig } from '../config/types.js';
import type { UserIdentity } from '../events/emitter.js';
import type { LoginPolicy } from '../policy/login-policy.js';
import type { Account } from './accounts.js';
import type { Channel, DirectTcpip, Peer, SessionHandlers, StartDecision } from './adapter.js';
import type { KeyOptions } from './key-options.js';

/** The authenticated connection a session channel belongs to. */
export interface SessionStart {
  account: Account;
  user: UserIdentity;
  /** The options of the authorized_keys line that let this key in (forced command, no-pty). */
  keyOptions?: KeyOptions;
  /** The login's access settings (force_command, permit_tty, sftp), match blocks applied. */
  policy?: LoginPolicy;
  client: Peer;
  server: Peer;
  /** Any traffic (idle timeout). */
  activity(): void;
  /** Opens an auth-agent@openssh.com channel to the client (agent forwarding). */
  openAgentChannel?(): Promise<Duplex>;
}

/** One session channel, as the server's limits and shutdown see it. */
export interface ServerSession extends SessionHandlers {
  /** Settles once the session has ended (recording closed, session.end emitted). */
  readonly ended: Promise<void>;
  /** The connection went away. */
  closed(): void;
  /** A line for the client (shutdown notice). */
  notify(message: string): void;
  hangUp(signal?: NodeJS.Signals): void;
}

/** The authenticated connection its TCP forwards belong to. */
export interface ForwardStart {
  account: Account;
  user: UserIdentity;
  keyOptions?: KeyOptions;
  /** The login's forwarding settings: the config's, with its match blocks laid over them. */
  forwarding: ServerConfig['forwarding'];
  client: Peer;
  /** Opens a forwarded-tcpip channel to the client. */
  forwardOut(bound: { host: string; port: number }, origin: Peer): Promise<Channel>;
  activity(): void;
}

/** A connection's TCP forwards, made on its first forward request. */
export interface ServerForwards {
  directTcpip(req: DirectTcpip): Promise<StartDecision>;
  tcpipForward(host: string, port: number): Promise<number | undefined>;
  cancelTcpipForward(host: string, port: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The launcher's command line for a program run as an account (authorized_keys_command). */
export type Launch = (spec: { account: Account; argv0: string; program: string; args: string[] }) => {
  file: string;
  args: string[];
};

export interface ConnectionServices {
  /** A session channel under the configuration its connection was accepted under. */
  session(start: SessionStart, config: ServerConfig, ended: (s: ServerSession) => void): ServerSession;
  forwards(start: ForwardStart): ServerForwards;
  launch: Launch;
}
