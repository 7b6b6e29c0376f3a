/**
 * Public-key authentication for one connection: the key must be listed in the login's
 * authorized keys file and its signature must verify (ssh2 checks neither). Unknown logins and
 * unauthorized keys get the same answer. Failed attempts are counted (the "none" probe every
 * client starts with is not, as in sshd); past the limit the connection is dropped.
 */
import ssh2 from 'ssh2';
import type { ServerConfig } from '../config/types.js';
import type { AuditEmitter, ConnectionContext, UserIdentity } from '../events/emitter.js';
import type { Logger } from '../log.js';
import { type Account, lookupAccount } from './accounts.js';
import type { AuthAnswer, AuthRequest, Peer } from './adapter.js';
import { addressAllowed } from './address-match.js';
import { userKeyAlgorithms } from './algorithms.js';
import { expandKeysPath, fingerprint, readAuthorizedKeys } from './authorized-keys.js';
import type { KeyOptions } from './key-options.js';

export type FailureReason =
  | 'unknown_login'
  | 'key_not_authorized'
  | 'bad_signature'
  | 'method_not_allowed'
  | 'too_many_attempts'
  | 'grace_timeout'
  | 'connection_limit';

const serverUid = typeof process.getuid === 'function' ? process.getuid() : -1;

export class ConnectionAuth {
  private failures = 0;
  /** Set once authenticated. */
  account: Account | undefined;
  user: UserIdentity | undefined;
  /** The options of the authorized_keys line the key was accepted by (forced command, no-pty). */
  keyOptions: KeyOptions | undefined;

  constructor(
    private readonly peer: Peer,
    private readonly config: ServerConfig['auth'],
    private readonly emitter: AuditEmitter,
    private readonly log: Logger,
  ) {}

  context(login: string, user?: UserIdentity): ConnectionContext {
    const c: ConnectionContext = { login, client_addr: this.peer.ip, client_port: this.peer.port };
    if (user) c.user = user;
    return c;
  }

  private async account_(login: string): Promise<Account | undefined> {
    const a = await lookupAccount(login);
    // Not root: the server can only run sessions as its own user.
    if (!a || (serverUid !== 0 && a.uid !== serverUid)) return undefined;
    return a;
  }

  async authenticate(req: AuthRequest): Promise<AuthAnswer> {
    if (req.method === 'none') return 'reject';
    if (req.method !== 'publickey' || !req.key) return this.failure(req, 'method_not_allowed');
    const keyType =
      req.key.algo === 'ssh-rsa' && req.hashAlgo ? `rsa-sha2-${req.hashAlgo.slice(3)}` : req.key.algo;
    const identity = { key_type: keyType, fingerprint: fingerprint(req.key.data) };
    // ssh-rsa signatures use SHA-1: refused.
    if (!userKeyAlgorithms.has(keyType)) return this.failure(req, 'method_not_allowed', identity);

    const account = await this.account_(req.login);
    if (!account) return this.failure(req, 'unknown_login', identity);
    const data = req.key.data;
    const lines = (
      await readAuthorizedKeys(expandKeysPath(this.config.authorized_keys_file, account))
    ).filter((k) => k.blob.equals(data));
    if (lines.length === 0) return this.failure(req, 'key_not_authorized', identity);
    // As sshd: the first line listing the key whose options allow this login is the one that
    // applies; a line whose options cannot be honoured is never used.
    const refusals: string[] = [];
    let options: KeyOptions | undefined;
    for (const k of lines) {
      const why =
        k.unusable ??
        (k.options.expiresAt && k.options.expiresAt.getTime() <= Date.now()
          ? `expired at ${k.options.expiresAt.toISOString()} (expiry-time)`
          : k.options.from && !addressAllowed(k.options.from, this.peer.ip)
            ? `client address ${this.peer.ip} is not allowed by from="${k.options.from.join(',')}"`
            : undefined);
      if (why === undefined) {
        options = k.options;
        break;
      }
      refusals.push(`line ${k.line}: ${why}`);
    }
    if (!options) {
      this.log.warn('key refused by its authorized_keys options', {
        login: req.login,
        fingerprint: identity.fingerprint,
        reasons: refusals,
      });
      return this.failure(req, 'key_not_authorized', identity);
    }
    // The client only asks whether this key would do: yes (PK_OK), not yet a success.
    if (!req.signature || !req.blob) return 'accept';

    const parsed = ssh2.utils.parseKey(data);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    const ok = key && !(key instanceof Error) && key.verify(req.blob, req.signature, req.hashAlgo) === true;
    if (!ok) return this.failure(req, 'bad_signature', identity);

    this.account = account;
    this.user = identity;
    this.keyOptions = options;
    this.emitter.emit(
      'auth.success',
      { method: 'publickey', key_type: identity.key_type, fingerprint: identity.fingerprint },
      this.context(account.login, identity),
    );
    this.log.info('authenticated', {
      login: account.login,
      client: this.peer.ip,
      fingerprint: identity.fingerprint,
    });
    return 'accept';
  }

  private failure(req: AuthRequest, reason: FailureReason, identity?: UserIdentity): AuthAnswer {
    // Requests the client sent before it saw the disconnect.
    if (this.failures >= this.config.max_attempts) return 'disconnect';
    const fields: Record<string, unknown> = { method: req.method, reason };
    if (identity) Object.assign(fields, identity);
    this.emitter.emit('auth.failure', fields, this.context(req.login));
    this.failures++;
    if (this.failures >= this.config.max_attempts) {
      this.emitter.emit(
        'auth.failure',
        { method: req.method, reason: 'too_many_attempts' },
        this.context(req.login),
      );
      this.log.info('too many authentication attempts', { client: this.peer.ip, login: req.login });
      return 'disconnect';
    }
    return 'reject';
  }
}
