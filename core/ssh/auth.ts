/**
 * Public-key authentication for one connection: the key must be listed in the login's
 * authorized keys file and its signature must verify (ssh2 checks neither). Unknown logins and
 * unauthorized keys get the same answer; the event and the log say the real reason.
 *
 * Attempts are counted against `auth.max_attempts` as sshd's MaxAuthTries counts them (every
 * refused request; the "none" probe a client starts with is free), and so is every publickey
 * query ("would this key do?") answered yes, which sshd leaves uncounted (it caps all requests at
 * 1024 instead): a client that knows an authorized public key could otherwise ask without end.
 * A query and the signed request for the same key that follows it are one attempt, so a client
 * whose right key comes last still gets in where sshd lets it (docs/design.md, "Authentication
 * attempts"). Past the limit the connection is dropped.
 *
 * The login's account is resolved once per connection and login name (accounts.ts: in process).
 */
import { basename } from 'node:path';
import ssh2 from 'ssh2';
import type { ServerConfig } from '../config/types.js';
import type { AuditEmitter, ConnectionContext, UserIdentity } from '../events/emitter.js';
import type { FailureReason, FieldsOf } from '../events/event.js';
import type { Logger } from '../log.js';
import { addressAllowed } from '../policy/address-match.js';
import { groupNames } from '../policy/group-names.js';
import { type LoginPolicy, loginRefusal, needsGroups, resolveLoginPolicy } from '../policy/login-policy.js';
import { type AccountRefusal, accountStatus } from './account-status.js';
import { type Account, isValidLogin, lookupAccount } from './accounts.js';
import type { AuthAnswer, AuthRequest, Peer } from './adapter.js';
import { userKeyAlgorithms } from './algorithms.js';
import {
  type AuthorizedKey,
  expandKeysPath,
  fingerprint,
  parseAuthorizedKeys,
  readAuthorizedKeys,
} from './authorized-keys.js';
import type { KeyOptions } from './key-options.js';
import { expandKeysCommand, runKeysCommand } from './keys-command.js';
import { eventLogin, loginLength } from './login-name.js';
import type { Launch } from './services.js';

/** auth.failure's reasons: the schema's list (core/events/event.ts). */
export type { FailureReason };

const serverUid = typeof process.getuid === 'function' ? process.getuid() : -1;

/** A key algorithm name fit for an event (a client may send anything there). */
const keyTypeShape = /^[\x21-\x7e]{1,64}$/;

type Resolved =
  | { account: Account; policy: LoginPolicy; locked: boolean }
  | { account?: undefined; reason: 'unknown_login' | 'login_not_allowed' | AccountRefusal; detail: string };

/** The config the access policy is resolved from (core/policy/login-policy.ts). */
export type PolicyConfig = Pick<ServerConfig, 'access' | 'match' | 'sftp' | 'forwarding'>;
/** Most bytes read from authorized_keys_command (sshd reads without a limit). */
const KEYS_COMMAND_MAX_BYTES = 1024 * 1024;

export class ConnectionAuth {
  /** Attempts counted against max_attempts (failures and queries answered yes). */
  private attempts = 0;
  /** Publickey queries answered yes (PK_OK). */
  private queries = 0;
  private requests = 0;
  /** The key of the last query answered yes: its signed request is part of the same attempt. */
  private queried: Buffer | undefined;
  private limitReported = false;
  private readonly accounts = new Map<string, Promise<Resolved>>();
  /** Set once authenticated. */
  account: Account | undefined;
  user: UserIdentity | undefined;
  /** The options of the authorized_keys line the key was accepted by (forced command, no-pty). */
  keyOptions: KeyOptions | undefined;
  /** The login's effective access settings (match blocks applied), set once authenticated. */
  policy: LoginPolicy | undefined;

  constructor(
    private readonly peer: Peer,
    private readonly config: ServerConfig['auth'],
    private readonly emitter: AuditEmitter,
    private readonly log: Logger,
    private readonly policyConfig: PolicyConfig,
    /** The launcher, to run authorized_keys_command as its user (core/session/launch.ts). */
    private readonly launcher: Launch,
  ) {}

  context(login: string, user?: UserIdentity): ConnectionContext {
    const c: ConnectionContext = {
      login: eventLogin(login),
      client_addr: this.peer.ip,
      client_port: this.peer.port,
    };
    if (user) c.user = user;
    return c;
  }

  /** Once per login name for this connection, whatever number of requests names it. */
  private resolve(login: string): Promise<Resolved> {
    let r = this.accounts.get(login);
    if (!r) {
      r = this.lookup(login);
      this.accounts.set(login, r);
    }
    return r;
  }

  private async lookup(login: string): Promise<Resolved> {
    const unknown = (detail: string): Resolved => ({ reason: 'unknown_login', detail });
    if (!isValidLogin(login)) return unknown('not a valid login name');
    const a = await lookupAccount(login);
    if (!a) return unknown('no such account');
    // Not root: the server can only run sessions as its own user.
    if (serverUid !== 0 && a.uid !== serverUid)
      return unknown(`the server runs as uid ${serverUid} and can log in no other account`);
    // Expired, locked (under locked_accounts refuse), or without a shell that can run: refused
    // whatever the key, as sshd does (its allowed_user() checks these before the access lists).
    const { refused: account, locked } = await accountStatus(a, this.config.locked_accounts);
    if (account) return account;
    const who = {
      login: a.login,
      groups: needsGroups(this.policyConfig) ? await groupNames(a.groups) : [],
      address: this.peer.ip,
    };
    // As sshd: a login the access lists refuse is refused whatever key it offers.
    const refused = loginRefusal(this.policyConfig.access, who);
    if (refused !== undefined) return { reason: 'login_not_allowed', detail: refused };
    return { account: a, policy: resolveLoginPolicy(this.policyConfig, who), locked };
  }

  async authenticate(req: AuthRequest): Promise<AuthAnswer> {
    this.requests++;
    const signedAfterQuery =
      req.method === 'publickey' &&
      req.signature !== undefined &&
      req.key !== undefined &&
      this.queried?.equals(req.key.data) === true;
    this.queried = undefined;
    // As sshd: the first request may be "none" (asking which methods there are) at no cost.
    if (req.method === 'none' && this.requests === 1) return 'reject';
    if (!signedAfterQuery) {
      // Requests the client sent before it saw the disconnect, or one past a last query.
      if (this.attempts >= this.config.max_attempts) return this.overLimit(req);
      this.attempts++;
    }
    if (req.method !== 'publickey' || !req.key)
      return this.failure(req, 'method_not_allowed', `method ${req.method} is not offered (publickey only)`);
    const keyType =
      req.key.algo === 'ssh-rsa' && req.hashAlgo ? `rsa-sha2-${req.hashAlgo.slice(3)}` : req.key.algo;
    const identity = { key_type: keyType, fingerprint: fingerprint(req.key.data) };
    // ssh-rsa signatures use SHA-1: refused, as by sshd's default since OpenSSH 8.8.
    if (!userKeyAlgorithms.has(keyType))
      return this.failure(
        req,
        'method_not_allowed',
        keyType === 'ssh-rsa'
          ? 'ssh-rsa signatures (SHA-1) are not accepted; the client must sign with rsa-sha2-256 or rsa-sha2-512'
          : keyTypeShape.test(keyType)
            ? `key algorithm ${keyType} not accepted`
            : 'key algorithm not accepted',
        identity,
      );

    const resolved = await this.resolve(req.login);
    if (!resolved.account) return this.failure(req, resolved.reason, resolved.detail, identity);
    const { account, policy, locked } = resolved;
    const path = expandKeysPath(this.config.authorized_keys_file, account);
    const file = await readAuthorizedKeys(path, account, this.config.strict_modes);
    const data = req.key.data;
    // A file refused by StrictModes keeps reason key_not_authorized (the v1 enum is fixed); the
    // detail names the check and the path that failed it.
    const details: string[] = [];
    let options: KeyOptions | undefined;
    if (file.ok) {
      const r = this.usableLine(file.keys, data, path);
      options = r.options;
      details.push(...r.refusals);
    } else details.push(file.problem === 'insecure' ? `StrictModes: ${file.detail}` : file.detail);
    // As sshd: the command is asked when the file did not let the key in.
    if (!options && this.config.authorized_keys_command) {
      const fromCommand = await this.keysFromCommand(account, keyType, identity.fingerprint, data);
      if (fromCommand.ok) {
        const r = this.usableLine(fromCommand.keys, data, 'authorized_keys_command output');
        options = r.options;
        details.push(...r.refusals);
      } else details.push(fromCommand.detail);
    }
    if (!options) return this.failure(req, 'key_not_authorized', details.join('; '), identity);
    // PermitRootLogin, judged on the line that applies: also for a query, so that a client is
    // told at once and tries its next key (sshd says so only after the signature).
    if (account.uid === 0) {
      const why = rootRefusal(policy, options);
      if (why !== undefined) return this.failure(req, 'root_login_refused', why, identity);
    }
    // The client only asks whether this key would do: yes (PK_OK), not yet a success.
    if (!req.signature || !req.blob) {
      this.queries++;
      this.queried = data;
      this.log.debug('publickey query: key acceptable', {
        login: eventLogin(req.login),
        client: this.peer.ip,
        fingerprint: identity.fingerprint,
        attempts: this.attempts,
        queries: this.queries,
      });
      return 'accept';
    }

    const parsed = ssh2.utils.parseKey(data);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    const ok = key && !(key instanceof Error) && key.verify(req.blob, req.signature, req.hashAlgo) === true;
    if (!ok) return this.failure(req, 'bad_signature', 'the signature does not verify', identity);

    this.account = account;
    this.user = identity;
    this.keyOptions = options;
    this.policy = policy;
    this.emitter.emit(
      'auth.success',
      {
        method: 'publickey',
        key_type: identity.key_type,
        fingerprint: identity.fingerprint,
        ...(locked ? { account_locked: true } : {}),
      },
      this.context(account.login, identity),
    );
    this.log.info('authenticated', {
      login: account.login,
      client: this.peer.ip,
      fingerprint: identity.fingerprint,
      ...(locked
        ? { account_locked: 'the password is locked; a key may log in (auth.locked_accounts allow_keys)' }
        : {}),
    });
    return 'accept';
  }

  /**
   * As sshd: the first line listing the key whose options allow this login is the one that
   * applies; a line whose options cannot be honoured is never used. `refusals`: why no line did.
   */
  private usableLine(
    keys: readonly AuthorizedKey[],
    data: Buffer,
    source: string,
  ): { options?: KeyOptions; refusals: string[] } {
    const lines = keys.filter((k) => k.blob.equals(data));
    if (lines.length === 0) return { refusals: [`key not listed in ${source}`] };
    const refusals: string[] = [];
    for (const k of lines) {
      const why =
        k.unusable ??
        (k.options.expiresAt && k.options.expiresAt.getTime() <= Date.now()
          ? `expired at ${k.options.expiresAt.toISOString()} (expiry-time)`
          : k.options.from && !addressAllowed(k.options.from, this.peer.ip)
            ? `client address ${this.peer.ip} is not allowed by from="${k.options.from.join(',')}"`
            : undefined);
      if (why === undefined) return { options: k.options, refusals };
      refusals.push(`${source} line ${k.line}: ${why}`);
    }
    return { refusals };
  }

  /** auth.authorized_keys_command's keys for this login and key; a failure is logged as a warning. */
  private async keysFromCommand(
    account: Account,
    keyType: string,
    fp: string,
    data: Buffer,
  ): Promise<{ ok: true; keys: AuthorizedKey[] } | { ok: false; detail: string }> {
    const { authorized_keys_command: argv, authorized_keys_command_user: user } = this.config;
    if (!argv || !user) return { ok: false, detail: 'no authorized_keys_command' };
    const r = await runKeysCommand({
      argv: expandKeysCommand(argv, {
        login: account.login,
        uid: account.uid,
        home: account.home,
        keyType,
        fingerprint: fp,
        keyBase64: data.toString('base64'),
      }),
      user,
      timeoutMs: this.config.authorized_keys_command_timeout * 1000,
      maxBytes: KEYS_COMMAND_MAX_BYTES,
      launch: (runAs, args) =>
        this.launcher({
          account: { ...runAs, home: '/' },
          argv0: basename(args[0] as string),
          program: args[0] as string,
          args: args.slice(1),
        }),
    });
    if (!r.ok) {
      this.log.warn('authorized_keys_command failed: its keys are not used', {
        login: account.login,
        client: this.peer.ip,
        detail: r.detail,
      });
      return r;
    }
    return { ok: true, keys: parseAuthorizedKeys(r.text) };
  }

  /** The fields every auth.failure of this connection carries. */
  private fields(req: AuthRequest, reason: FailureReason, identity?: UserIdentity): FieldsOf<'auth.failure'> {
    const fields: FieldsOf<'auth.failure'> = {
      method: req.method,
      reason,
      attempts: this.attempts,
      queries: this.queries,
    };
    if (identity) {
      if (keyTypeShape.test(identity.key_type)) fields.key_type = identity.key_type;
      fields.fingerprint = identity.fingerprint;
    }
    const length = loginLength(req.login);
    if (length !== undefined) fields.login_length = length;
    return fields;
  }

  private failure(
    req: AuthRequest,
    reason: FailureReason,
    detail: string,
    identity?: UserIdentity,
  ): AuthAnswer {
    this.emitter.emit(
      'auth.failure',
      { ...this.fields(req, reason, identity), detail },
      this.context(req.login),
    );
    this.log.info('authentication refused', {
      login: eventLogin(req.login),
      client: this.peer.ip,
      method: req.method,
      reason,
      detail,
      ...(identity ? { fingerprint: identity.fingerprint } : {}),
    });
    return this.attempts >= this.config.max_attempts ? this.overLimit(req) : 'reject';
  }

  /** The limit is reached: said once (event and log), then the connection is dropped. */
  private overLimit(req: AuthRequest): AuthAnswer {
    if (!this.limitReported) {
      this.limitReported = true;
      const detail = `${this.attempts} attempts (${this.queries} of them publickey queries), max_attempts is ${this.config.max_attempts}`;
      this.emitter.emit(
        'auth.failure',
        { ...this.fields(req, 'too_many_attempts'), detail },
        this.context(req.login),
      );
      this.log.info('too many authentication attempts', {
        client: this.peer.ip,
        login: eventLogin(req.login),
        attempts: this.attempts,
        queries: this.queries,
      });
    }
    return 'disconnect';
  }
}

/** Why PermitRootLogin refuses root with this key's line, or undefined (publickey only). */
function rootRefusal(policy: LoginPolicy, options: KeyOptions): string | undefined {
  const setting = policy.permitRootLogin;
  if (setting === 'no') return 'root login refused: permit_root_login is no';
  // Only the key's own command= counts, not force_command (as sshd).
  if (setting === 'forced-commands-only' && options.command === undefined)
    return "root login refused: permit_root_login is forced-commands-only and the key's authorized_keys line has no command=";
  return undefined;
}
