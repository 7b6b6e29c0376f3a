/* Generated from schemas/ by core/events/codegen.ts; do not edit. Run: node dist/core/events/codegen.js */

/**
 * The fields a producer passes to emit('audit.checkpoint', ...).
 */
export interface AuditCheckpointFields {
  /**
   * One entry per chain (a long list is split over several events).
   *
   * @minItems 1
   * @maxItems 256
   */
  files: [
    {
      /**
       * The file when the digest was taken: relative to the data directory when inside it, else absolute. Informational: a chain is found by chain_id, wherever its file was moved (rotation).
       */
      file: string;
      /**
       * The chain's id, from the first line of its .chain file.
       */
      chain_id: string;
      /**
       * How many blocks of the chain this digest covers.
       */
      blocks: number;
      /**
       * The bytes of the file those blocks cover, from its start.
       */
      length: number;
      /**
       * The chain's link after those blocks (sha256, hex): it depends on every byte before `length`.
       */
      digest: string;
      /**
       * True when the file was closed (a finished recording): this is its final digest.
       */
      closed?: boolean;
    },
    ...{
      /**
       * The file when the digest was taken: relative to the data directory when inside it, else absolute. Informational: a chain is found by chain_id, wherever its file was moved (rotation).
       */
      file: string;
      /**
       * The chain's id, from the first line of its .chain file.
       */
      chain_id: string;
      /**
       * How many blocks of the chain this digest covers.
       */
      blocks: number;
      /**
       * The bytes of the file those blocks cover, from its start.
       */
      length: number;
      /**
       * The chain's link after those blocks (sha256, hex): it depends on every byte before `length`.
       */
      digest: string;
      /**
       * True when the file was closed (a finished recording): this is its final digest.
       */
      closed?: boolean;
    }[]
  ];
  /**
   * Present with integrity.signing_key: an ed25519 signature over the event's `files`, serialised as canonical JSON (keys sorted, no spaces), so that a copy re-serialised by a SIEM still verifies.
   */
  signature?: {
    /**
     * The signature algorithm.
     */
    alg: "ed25519";
    /**
     * sha256 of the public key (its DER SubjectPublicKeyInfo), base64 without padding: which key signed.
     */
    key_id: string;
    /**
     * The signature, base64.
     */
    value: string;
  };
}

/**
 * The running digests of the hash chains of the recordings being written and of the audit file (docs/tamper-evidence.md). Emitted every integrity.checkpoint_interval_seconds for the chains that grew since the last one (a closed recording's final digest included), and at shutdown. Kept off the host (in the SIEM), these anchor the local chains: `sshtrail verify --checkpoints` finds a local file or chain rewritten after a checkpoint was shipped. (https://sshtrail.dev/schemas/audit.checkpoint/v1.json)
 */
export interface AuditCheckpointEvent {
  /**
   * The event type.
   */
  type: "audit.checkpoint";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/audit.checkpoint/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login?: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr?: string;
  /**
   * The client's TCP source port.
   */
  client_port?: number;
  /**
   * One entry per chain (a long list is split over several events).
   *
   * @minItems 1
   * @maxItems 256
   */
  files: [
    {
      /**
       * The file when the digest was taken: relative to the data directory when inside it, else absolute. Informational: a chain is found by chain_id, wherever its file was moved (rotation).
       */
      file: string;
      /**
       * The chain's id, from the first line of its .chain file.
       */
      chain_id: string;
      /**
       * How many blocks of the chain this digest covers.
       */
      blocks: number;
      /**
       * The bytes of the file those blocks cover, from its start.
       */
      length: number;
      /**
       * The chain's link after those blocks (sha256, hex): it depends on every byte before `length`.
       */
      digest: string;
      /**
       * True when the file was closed (a finished recording): this is its final digest.
       */
      closed?: boolean;
    },
    ...{
      /**
       * The file when the digest was taken: relative to the data directory when inside it, else absolute. Informational: a chain is found by chain_id, wherever its file was moved (rotation).
       */
      file: string;
      /**
       * The chain's id, from the first line of its .chain file.
       */
      chain_id: string;
      /**
       * How many blocks of the chain this digest covers.
       */
      blocks: number;
      /**
       * The bytes of the file those blocks cover, from its start.
       */
      length: number;
      /**
       * The chain's link after those blocks (sha256, hex): it depends on every byte before `length`.
       */
      digest: string;
      /**
       * True when the file was closed (a finished recording): this is its final digest.
       */
      closed?: boolean;
    }[]
  ];
  /**
   * Present with integrity.signing_key: an ed25519 signature over the event's `files`, serialised as canonical JSON (keys sorted, no spaces), so that a copy re-serialised by a SIEM still verifies.
   */
  signature?: {
    /**
     * The signature algorithm.
     */
    alg: "ed25519";
    /**
     * sha256 of the public key (its DER SubjectPublicKeyInfo), base64 without padding: which key signed.
     */
    key_id: string;
    /**
     * The signature, base64.
     */
    value: string;
  };
}

/**
 * The fields a producer passes to emit('audit.loss', ...).
 */
export interface AuditLossFields {
  /**
   * Where the events were lost: a sink by its configured name (sink:<name>), a kernel program (bpf:<program>), or the pipeline itself (invalid events, events after shutdown).
   */
  source: string;
  /**
   * Why: the sink's buffer was full, the sink refused the events, retries ran out, the kernel ring buffer was full, the events failed validation (a bug), the receiver never acknowledged, shutdown's deadline passed first (or the events were emitted after it), or the disk was full (the file sink held the events while it could not write, and these are the ones its queue or its retries could not keep; whole lines only ever reach the file).
   */
  reason:
    | "queue_full"
    | "rejected"
    | "retries_exhausted"
    | "ring_full"
    | "invalid"
    | "ack_timeout"
    | "shutdown"
    | "disk_full";
  /**
   * How many events were lost in the window.
   */
  count: number;
  /**
   * Start of the window the count covers.
   */
  window_start: string;
  /**
   * End of the window the count covers.
   */
  window_end: string;
}

/**
 * Events were lost: how many, where, why and in which time window. Emitted periodically while losses happen and at shutdown, so the gap is visible in the event stream itself. (https://sshtrail.dev/schemas/audit.loss/v1.json)
 */
export interface AuditLossEvent {
  /**
   * The event type.
   */
  type: "audit.loss";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/audit.loss/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login?: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr?: string;
  /**
   * The client's TCP source port.
   */
  client_port?: number;
  /**
   * Where the events were lost: a sink by its configured name (sink:<name>), a kernel program (bpf:<program>), or the pipeline itself (invalid events, events after shutdown).
   */
  source: string;
  /**
   * Why: the sink's buffer was full, the sink refused the events, retries ran out, the kernel ring buffer was full, the events failed validation (a bug), the receiver never acknowledged, shutdown's deadline passed first (or the events were emitted after it), or the disk was full (the file sink held the events while it could not write, and these are the ones its queue or its retries could not keep; whole lines only ever reach the file).
   */
  reason:
    | "queue_full"
    | "rejected"
    | "retries_exhausted"
    | "ring_full"
    | "invalid"
    | "ack_timeout"
    | "shutdown"
    | "disk_full";
  /**
   * How many events were lost in the window.
   */
  count: number;
  /**
   * Start of the window the count covers.
   */
  window_start: string;
  /**
   * End of the window the count covers.
   */
  window_end: string;
}

/**
 * The fields a producer passes to emit('audit.test', ...).
 */
export interface AuditTestFields {
  /**
   * Always true: marks the event as a test, for filters and alert rules.
   */
  test: true;
  /**
   * What the event is, for whoever finds it in an index.
   */
  message: string;
}

/**
 * A connectivity check sent by `sshtrail sinks test` through every configured sink, not an audit record. Its server_id names the test command (`<server id>/sinks-test`), so the per-server seq of the serving instance stays gap-free; filter on type or test to leave it out of dashboards. (https://sshtrail.dev/schemas/audit.test/v1.json)
 */
export interface AuditTestEvent {
  /**
   * The event type.
   */
  type: "audit.test";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/audit.test/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login?: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr?: string;
  /**
   * The client's TCP source port.
   */
  client_port?: number;
  /**
   * Always true: marks the event as a test, for filters and alert rules.
   */
  test: true;
  /**
   * What the event is, for whoever finds it in an index.
   */
  message: string;
}

/**
 * The fields a producer passes to emit('auth.failure', ...).
 */
export interface AuthFailureFields {
  /**
   * The SSH authentication method the client tried ("none" when it offered nothing).
   */
  method: string;
  /**
   * Algorithm of the offered key, for publickey attempts.
   */
  key_type?: string;
  /**
   * Fingerprint of the offered key, for publickey attempts.
   */
  fingerprint?: string;
  /**
   * Why the attempt was refused (detail says more). An authorized keys file refused by auth.strict_modes (as sshd's StrictModes) is key_not_authorized, with a detail starting "StrictModes:". Connections refused before the handshake (method "none"): connection_limit, too many unauthenticated connections in all; startups_early_drop, refused by random early drop as that limit nears; source_limit, too many from the client's address block; source_penalty, the block is serving a penalty for earlier failed, idle or malformed connections. Accounts refused whatever the key, as sshd without PAM refuses them: account_expired, the shadow expiry date (field 8) has passed; account_locked, the password field starts with "!" (usermod -L, passwd -l); invalid_shell, the login shell does not exist or is not executable. login_not_allowed: the access lists (access.deny_users, allow_users, deny_groups, allow_groups, as sshd's DenyUsers...) refuse the login, whatever key it offers (detail says which list). root_login_refused: access.permit_root_login (or a match block's) refuses root with this key: no, or forced-commands-only and the key's authorized_keys line has no command=.
   */
  reason:
    | "unknown_login"
    | "key_not_authorized"
    | "bad_signature"
    | "method_not_allowed"
    | "too_many_attempts"
    | "grace_timeout"
    | "connection_limit"
    | "startups_early_drop"
    | "source_limit"
    | "source_penalty"
    | "account_expired"
    | "account_locked"
    | "invalid_shell"
    | "login_not_allowed"
    | "root_login_refused";
  /**
   * The reason in words, for people: which authorized_keys line refused the key and why (from=, expiry-time, an option sshtrail cannot honour), which file or directory failed the StrictModes check, why a login is unknown. Not a stable format.
   */
  detail?: string;
  /**
   * Attempts counted on this connection so far against auth.max_attempts, this one included: refused requests and publickey queries answered "this key would do".
   */
  attempts?: number;
  /**
   * Publickey queries (a key offered without a signature) answered "this key would do" on this connection so far; each counts as an attempt.
   */
  queries?: number;
  /**
   * Present when login is not the user name the client sent: the length in bytes of what it sent (0: an empty name, shown as "(empty)"; names over 256 characters are cut to 256).
   */
  login_length?: number;
}

/**
 * An authentication attempt was refused, or the connection was closed before authenticating. (https://sshtrail.dev/schemas/auth.failure/v1.json)
 */
export interface AuthFailureEvent {
  /**
   * The event type.
   */
  type: "auth.failure";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/auth.failure/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * The SSH authentication method the client tried ("none" when it offered nothing).
   */
  method: string;
  /**
   * Algorithm of the offered key, for publickey attempts.
   */
  key_type?: string;
  /**
   * Fingerprint of the offered key, for publickey attempts.
   */
  fingerprint?: string;
  /**
   * Why the attempt was refused (detail says more). An authorized keys file refused by auth.strict_modes (as sshd's StrictModes) is key_not_authorized, with a detail starting "StrictModes:". Connections refused before the handshake (method "none"): connection_limit, too many unauthenticated connections in all; startups_early_drop, refused by random early drop as that limit nears; source_limit, too many from the client's address block; source_penalty, the block is serving a penalty for earlier failed, idle or malformed connections. Accounts refused whatever the key, as sshd without PAM refuses them: account_expired, the shadow expiry date (field 8) has passed; account_locked, the password field starts with "!" (usermod -L, passwd -l); invalid_shell, the login shell does not exist or is not executable. login_not_allowed: the access lists (access.deny_users, allow_users, deny_groups, allow_groups, as sshd's DenyUsers...) refuse the login, whatever key it offers (detail says which list). root_login_refused: access.permit_root_login (or a match block's) refuses root with this key: no, or forced-commands-only and the key's authorized_keys line has no command=.
   */
  reason:
    | "unknown_login"
    | "key_not_authorized"
    | "bad_signature"
    | "method_not_allowed"
    | "too_many_attempts"
    | "grace_timeout"
    | "connection_limit"
    | "startups_early_drop"
    | "source_limit"
    | "source_penalty"
    | "account_expired"
    | "account_locked"
    | "invalid_shell"
    | "login_not_allowed"
    | "root_login_refused";
  /**
   * The reason in words, for people: which authorized_keys line refused the key and why (from=, expiry-time, an option sshtrail cannot honour), which file or directory failed the StrictModes check, why a login is unknown. Not a stable format.
   */
  detail?: string;
  /**
   * Attempts counted on this connection so far against auth.max_attempts, this one included: refused requests and publickey queries answered "this key would do".
   */
  attempts?: number;
  /**
   * Publickey queries (a key offered without a signature) answered "this key would do" on this connection so far; each counts as an attempt.
   */
  queries?: number;
  /**
   * Present when login is not the user name the client sent: the length in bytes of what it sent (0: an empty name, shown as "(empty)"; names over 256 characters are cut to 256).
   */
  login_length?: number;
}

/**
 * The fields a producer passes to emit('auth.success', ...).
 */
export interface AuthSuccessFields {
  /**
   * The SSH authentication method that succeeded.
   */
  method: "publickey";
  /**
   * Algorithm of the key the client authenticated with.
   */
  key_type: string;
  /**
   * Fingerprint of the key the client authenticated with.
   */
  fingerprint: string;
  /**
   * Present when the account's password is locked (its password field starts with "!") and the key logged in anyway, under auth.locked_accounts allow_keys (as Debian's sshd with PAM). Absent otherwise.
   */
  account_locked?: true;
}

/**
 * A client authenticated. Emitted once per connection, before any session exists. (https://sshtrail.dev/schemas/auth.success/v1.json)
 */
export interface AuthSuccessEvent {
  /**
   * The event type.
   */
  type: "auth.success";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/auth.success/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * The SSH authentication method that succeeded.
   */
  method: "publickey";
  /**
   * Algorithm of the key the client authenticated with.
   */
  key_type: string;
  /**
   * Fingerprint of the key the client authenticated with.
   */
  fingerprint: string;
  /**
   * Present when the account's password is locked (its password field starts with "!") and the key logged in anyway, under auth.locked_accounts allow_keys (as Debian's sshd with PAM). Absent otherwise.
   */
  account_locked?: true;
}

/**
 * The fields a producer passes to emit('recording.removed', ...).
 */
export interface RecordingRemovedFields {
  /**
   * The session whose recording this was (the session_id of its session.start and session.end).
   */
  recorded_session_id: string;
  /**
   * What was removed: the .cast file or the .raw directory (both, space separated, when a PTY session had both).
   */
  path: string;
  /**
   * age: last written longer ago than recording.retention.max_age_days; size: all recordings took more than max_total_bytes, and this was the oldest that could go.
   */
  reason: "age" | "size";
  /**
   * Disk space the recording took (allocated blocks), freed by the removal.
   */
  bytes: number;
  /**
   * Seconds since the recording was last written (its session's end) when it was removed.
   */
  age_s: number;
}

/**
 * A recording was removed by recording.retention: it was older than max_age_days, or all recordings took more than max_total_bytes and it was the oldest. The oldest go first; a live session's recording is never removed. A server event (no session context): the removed session's id is recorded_session_id. (https://sshtrail.dev/schemas/recording.removed/v1.json)
 */
export interface RecordingRemovedEvent {
  /**
   * The event type.
   */
  type: "recording.removed";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/recording.removed/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login?: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr?: string;
  /**
   * The client's TCP source port.
   */
  client_port?: number;
  /**
   * The session whose recording this was (the session_id of its session.start and session.end).
   */
  recorded_session_id: string;
  /**
   * What was removed: the .cast file or the .raw directory (both, space separated, when a PTY session had both).
   */
  path: string;
  /**
   * age: last written longer ago than recording.retention.max_age_days; size: all recordings took more than max_total_bytes, and this was the oldest that could go.
   */
  reason: "age" | "size";
  /**
   * Disk space the recording took (allocated blocks), freed by the removal.
   */
  bytes: number;
  /**
   * Seconds since the recording was last written (its session's end) when it was removed.
   */
  age_s: number;
}

/**
 * The fields a producer passes to emit('session.agent', ...).
 */
export interface SessionAgentFields {
  /**
   * granted: the client's request was accepted (socket set up before the session's program starts). refused: it was refused (see reason). closed: the session ended and its socket was removed.
   */
  action: "granted" | "refused" | "closed";
  /**
   * refused: config: forwarding.agent is false; key_option: the authorized_keys line says no-agent-forwarding or restrict; setup_failed: the socket could not be made (the server log says why); not_root: the server does not run as root and the login is not its own user, so it cannot give the login a socket of its own.
   */
  reason?: "config" | "key_option" | "setup_failed" | "not_root";
  /**
   * granted: the socket's path (SSH_AUTH_SOCK of the session).
   */
  socket?: string;
  /**
   * closed: connections made to the socket during the session (each a channel opened to the client's agent).
   */
  connections?: number;
  /**
   * closed: of those, the ones the client refused (no agent there any more) or that failed.
   */
  failed_connections?: number;
}

/**
 * SSH agent forwarding (ssh -A, auth-agent-req@openssh.com) on a session: granted (the session gets SSH_AUTH_SOCK, a socket only the login can reach, each connection to which is relayed to the client's agent), refused (with the reason), and closed when the session ended, with how many times the session's programs used the agent. (https://sshtrail.dev/schemas/session.agent/v1.json)
 */
export interface SessionAgentEvent {
  /**
   * The event type.
   */
  type: "session.agent";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.agent/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * granted: the client's request was accepted (socket set up before the session's program starts). refused: it was refused (see reason). closed: the session ended and its socket was removed.
   */
  action: "granted" | "refused" | "closed";
  /**
   * refused: config: forwarding.agent is false; key_option: the authorized_keys line says no-agent-forwarding or restrict; setup_failed: the socket could not be made (the server log says why); not_root: the server does not run as root and the login is not its own user, so it cannot give the login a socket of its own.
   */
  reason?: "config" | "key_option" | "setup_failed" | "not_root";
  /**
   * granted: the socket's path (SSH_AUTH_SOCK of the session).
   */
  socket?: string;
  /**
   * closed: connections made to the socket during the session (each a channel opened to the client's agent).
   */
  connections?: number;
  /**
   * closed: of those, the ones the client refused (no agent there any more) or that failed.
   */
  failed_connections?: number;
}

/**
 * The fields a producer passes to emit('session.command', ...).
 */
export interface SessionCommandFields {
  /**
   * The process that called execve.
   */
  pid: number;
  /**
   * Its parent process.
   */
  ppid: number;
  /**
   * The command name after exec (comm).
   */
  program: string;
  /**
   * The executable path passed to execve, as given: it may be relative (`./tool`, `../x/tool`) or a symlink; `exe_path` names the file that ran.
   */
  path: string;
  /**
   * The absolute path of the executable file that ran, resolved by the kernel at the exec from the file it opened (not from the path given): relative paths, `.` and `..` are resolved, and a symlink is reported as the file it points to. For a script (`#!`), the interpreter the kernel ran (as /proc/<pid>/exe shows it); the script is `path` and is in argv. A file deleted before the exec keeps its last path, with `exe_deleted` true. A memfd (memfd_create, exec'd through /proc/self/fd/N or execveat) is `/memfd:<name>`, with `exe_deleted` true. Paths are as seen from the process's root directory. Absent for a failed exec, and when the path is deeper or longer than the kernel walks (1 KiB, 64 steps).
   */
  exe_path?: string;
  /**
   * True when the executable file had no name left in the file system at the exec: deleted (unlinked) after it was opened, or a memfd or O_TMPFILE file. Present with `exe_path`.
   */
  exe_deleted?: boolean;
  /**
   * The argument vector, argv[0] first.
   */
  argv: string[];
  /**
   * True when argv was longer than the recorder captures and was cut.
   */
  argv_truncated: boolean;
  /**
   * 0 when execve succeeded, a negative errno otherwise.
   */
  return_code: number;
  /**
   * The session cgroup the process ran in.
   */
  cgroup_id: number;
  /**
   * A PATH search folded into this exec: the paths the same process tried to exec just before, in order, each failing with ENOENT (-2), with the same basename as `path` (glibc's execvp, as in `env`, `xargs`, `find -exec` and version-manager shims, trying each directory of PATH; dash and bash look with stat() first and make no failed exec). Those failed execs get no event of their own; failures not followed by a successful exec of the same name (command not found) are reported as events of their own, within about a second. Absent when there was no such search.
   */
  path_tried?: string[];
  /**
   * The process's user id.
   */
  uid: number;
  /**
   * The process's group id.
   */
  gid: number;
}

/**
 * A process in the session called execve (enhanced recording, from the kernel). (https://sshtrail.dev/schemas/session.command/v1.json)
 */
export interface SessionCommandEvent {
  /**
   * The event type.
   */
  type: "session.command";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.command/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * The process that called execve.
   */
  pid: number;
  /**
   * Its parent process.
   */
  ppid: number;
  /**
   * The command name after exec (comm).
   */
  program: string;
  /**
   * The executable path passed to execve, as given: it may be relative (`./tool`, `../x/tool`) or a symlink; `exe_path` names the file that ran.
   */
  path: string;
  /**
   * The absolute path of the executable file that ran, resolved by the kernel at the exec from the file it opened (not from the path given): relative paths, `.` and `..` are resolved, and a symlink is reported as the file it points to. For a script (`#!`), the interpreter the kernel ran (as /proc/<pid>/exe shows it); the script is `path` and is in argv. A file deleted before the exec keeps its last path, with `exe_deleted` true. A memfd (memfd_create, exec'd through /proc/self/fd/N or execveat) is `/memfd:<name>`, with `exe_deleted` true. Paths are as seen from the process's root directory. Absent for a failed exec, and when the path is deeper or longer than the kernel walks (1 KiB, 64 steps).
   */
  exe_path?: string;
  /**
   * True when the executable file had no name left in the file system at the exec: deleted (unlinked) after it was opened, or a memfd or O_TMPFILE file. Present with `exe_path`.
   */
  exe_deleted?: boolean;
  /**
   * The argument vector, argv[0] first.
   */
  argv: string[];
  /**
   * True when argv was longer than the recorder captures and was cut.
   */
  argv_truncated: boolean;
  /**
   * 0 when execve succeeded, a negative errno otherwise.
   */
  return_code: number;
  /**
   * The session cgroup the process ran in.
   */
  cgroup_id: number;
  /**
   * A PATH search folded into this exec: the paths the same process tried to exec just before, in order, each failing with ENOENT (-2), with the same basename as `path` (glibc's execvp, as in `env`, `xargs`, `find -exec` and version-manager shims, trying each directory of PATH; dash and bash look with stat() first and make no failed exec). Those failed execs get no event of their own; failures not followed by a successful exec of the same name (command not found) are reported as events of their own, within about a second. Absent when there was no such search.
   */
  path_tried?: string[];
  /**
   * The process's user id.
   */
  uid: number;
  /**
   * The process's group id.
   */
  gid: number;
}

/**
 * The fields a producer passes to emit('session.disk', ...).
 */
export interface SessionDiskFields {
  /**
   * The process that opened the file.
   */
  pid: number;
  /**
   * The process's command name (comm).
   */
  program: string;
  /**
   * The path passed to open/openat/openat2/creat, made absolute: a relative path is resolved against the directory it was relative to at the syscall (the process's working directory, or openat's directory fd), which the kernel reads at the syscall, so a later chdir does not change it. `.` and `..` are then folded in lexically and symlinks are not followed: this is the name the process used, not necessarily the file's own. As given when that directory is deeper or longer than the kernel walks (1 KiB, 64 steps) and the process is gone.
   */
  path: string;
  /**
   * The open flags as a number.
   */
  flags: number;
  /**
   * The open flags by name, access mode first.
   */
  flag_names: string[];
  /**
   * The file descriptor on success, a negative errno otherwise.
   */
  return_code: number;
  /**
   * The session cgroup the process ran in.
   */
  cgroup_id: number;
  /**
   * Present when this event stands for several opens: how many times the same thread opened the same path (from the same directory, for a relative path) with the same flags and the same result (the same file descriptor number, or the same errno), under the same command name, after a first such open already reported by its own event without `count`. The kernel counts these repeats instead of sending each one, and sends the count about every second, when the thread exits and at session end; `time` is then the first repeat's and `last_time` the last's. Absent: one open. Every open is in exactly one event: the opens of a path are the events without `count` plus the sum of the `count`s (the audit.loss events of the session say how many were lost, counting repeats).
   */
  count?: number;
  /**
   * With `count`: when the last of the repeats happened (RFC 3339 UTC, nanoseconds), `time` being the first. A repeat made while its count is being sent may give one of them the time of a neighbouring repeat; the count is exact.
   */
  last_time?: string;
}

/**
 * A process in the session opened a file (enhanced recording, from the kernel). (https://sshtrail.dev/schemas/session.disk/v1.json)
 */
export interface SessionDiskEvent {
  /**
   * The event type.
   */
  type: "session.disk";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.disk/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * The process that opened the file.
   */
  pid: number;
  /**
   * The process's command name (comm).
   */
  program: string;
  /**
   * The path passed to open/openat/openat2/creat, made absolute: a relative path is resolved against the directory it was relative to at the syscall (the process's working directory, or openat's directory fd), which the kernel reads at the syscall, so a later chdir does not change it. `.` and `..` are then folded in lexically and symlinks are not followed: this is the name the process used, not necessarily the file's own. As given when that directory is deeper or longer than the kernel walks (1 KiB, 64 steps) and the process is gone.
   */
  path: string;
  /**
   * The open flags as a number.
   */
  flags: number;
  /**
   * The open flags by name, access mode first.
   */
  flag_names: string[];
  /**
   * The file descriptor on success, a negative errno otherwise.
   */
  return_code: number;
  /**
   * The session cgroup the process ran in.
   */
  cgroup_id: number;
  /**
   * Present when this event stands for several opens: how many times the same thread opened the same path (from the same directory, for a relative path) with the same flags and the same result (the same file descriptor number, or the same errno), under the same command name, after a first such open already reported by its own event without `count`. The kernel counts these repeats instead of sending each one, and sends the count about every second, when the thread exits and at session end; `time` is then the first repeat's and `last_time` the last's. Absent: one open. Every open is in exactly one event: the opens of a path are the events without `count` plus the sum of the `count`s (the audit.loss events of the session say how many were lost, counting repeats).
   */
  count?: number;
  /**
   * With `count`: when the last of the repeats happened (RFC 3339 UTC, nanoseconds), `time` being the first. A repeat made while its count is being sent may give one of them the time of a neighbouring repeat; the count is exact.
   */
  last_time?: string;
}

/**
 * The fields a producer passes to emit('session.end', ...).
 */
export interface SessionEndFields {
  /**
   * The shell's or command's exit status, when it exited normally.
   */
  exit_code?: number;
  /**
   * The signal that ended the shell or command, without the SIG prefix.
   */
  signal?: string;
  /**
   * Why the session ended other than by its shell or command exiting; absent when it exited. disconnected: the client went away and the session's shell or command, hung up (SIGHUP), had not exited two seconds later: the session ended without it (it lingers or was killed, by session.on_end). recording_failed: its recording could not be written (see recording_error) and recording.on_failure is refuse: the session was refused before anything ran, or ended when the recording failed mid-way. start_failed: the process could not be started after session.start (e.g. E2BIG, an environment too big for the kernel), so there is no exit_code or signal. server_crash: the server stopped without ending the session (kill -9, a crash) and its next start killed what the session left: duration_ms then runs to that start, and bytes_in and bytes_out are 0 (not known). sftp_only: the login is SFTP-only (force_command internal-sftp or the sftp-server) and asked for a shell or a command: it was told "This service allows sftp connections only." and nothing ran. subsystem_refused: the subsystem asked for is refused (unknown, sftp off for this login or the server, or no sftp-server); nothing ran.
   */
  reason?: "start_failed" | "server_crash" | "recording_failed" | "sftp_only" | "subsystem_refused" | "disconnected";
  /**
   * Time from session.start to the end, in milliseconds.
   */
  duration_ms: number;
  /**
   * Bytes received from the client on the session channel.
   */
  bytes_in: number;
  /**
   * Bytes sent to the client on the session channel (stdout and stderr).
   */
  bytes_out: number;
  /**
   * The session's recording could not be written from some point on: disk_full (no space or quota), io_error (anything else). The recording, when there is one, holds the session up to its last whole line before the failure. With recording.on_failure continue the session went on unrecorded; with refuse it ended (reason recording_failed).
   */
  recording_error?: "disk_full" | "io_error";
  /**
   * Path of the session's recording on the server, when one was made: an asciicast v2 file (.cast) for a session with a PTY, a directory (.raw) of byte-exact streams and their timing index for one without (see recording_format).
   */
  recording?: string;
  /**
   * session.on_end keep, with a session cgroup (enhanced recording): how many processes the session started still run at its end (`nohup cmd &`, a detached tmux or screen, mosh-server). They run on in the session's cgroup, captured and attributed to this session: their events follow this one with the same session_id, and session.linger.end marks when the last one exited. 0: nothing was left.
   */
  lingering?: number;
  /**
   * session.on_end kill: the processes still running at the session's end, killed with its cgroup (the first 64 by pid; killed_count counts all). Absent when nothing was left.
   *
   * @maxItems 64
   */
  killed?: {
    /**
     * Its process id.
     */
    pid: number;
    /**
     * Its command name as the kernel keeps it (/proc/<pid>/comm, at most 15 bytes; empty when it exited before it could be read).
     */
    command: string;
  }[];
  /**
   * How many processes were killed at the session's end (with killed).
   */
  killed_count?: number;
  /**
   * The recording's format: asciicast (v2, a terminal's output, for players) or raw (a session without a PTY: stdout, stderr and, with recording.input, stdin byte for byte, with a timing index; docs/recordings.md). Absent when there is no recording.
   */
  recording_format?: "asciicast" | "raw";
}

/**
 * A session ended: the last event of its session. (https://sshtrail.dev/schemas/session.end/v1.json)
 */
export interface SessionEndEvent {
  /**
   * The event type.
   */
  type: "session.end";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.end/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * The shell's or command's exit status, when it exited normally.
   */
  exit_code?: number;
  /**
   * The signal that ended the shell or command, without the SIG prefix.
   */
  signal?: string;
  /**
   * Why the session ended other than by its shell or command exiting; absent when it exited. disconnected: the client went away and the session's shell or command, hung up (SIGHUP), had not exited two seconds later: the session ended without it (it lingers or was killed, by session.on_end). recording_failed: its recording could not be written (see recording_error) and recording.on_failure is refuse: the session was refused before anything ran, or ended when the recording failed mid-way. start_failed: the process could not be started after session.start (e.g. E2BIG, an environment too big for the kernel), so there is no exit_code or signal. server_crash: the server stopped without ending the session (kill -9, a crash) and its next start killed what the session left: duration_ms then runs to that start, and bytes_in and bytes_out are 0 (not known). sftp_only: the login is SFTP-only (force_command internal-sftp or the sftp-server) and asked for a shell or a command: it was told "This service allows sftp connections only." and nothing ran. subsystem_refused: the subsystem asked for is refused (unknown, sftp off for this login or the server, or no sftp-server); nothing ran.
   */
  reason?: "start_failed" | "server_crash" | "recording_failed" | "sftp_only" | "subsystem_refused" | "disconnected";
  /**
   * Time from session.start to the end, in milliseconds.
   */
  duration_ms: number;
  /**
   * Bytes received from the client on the session channel.
   */
  bytes_in: number;
  /**
   * Bytes sent to the client on the session channel (stdout and stderr).
   */
  bytes_out: number;
  /**
   * The session's recording could not be written from some point on: disk_full (no space or quota), io_error (anything else). The recording, when there is one, holds the session up to its last whole line before the failure. With recording.on_failure continue the session went on unrecorded; with refuse it ended (reason recording_failed).
   */
  recording_error?: "disk_full" | "io_error";
  /**
   * Path of the session's recording on the server, when one was made: an asciicast v2 file (.cast) for a session with a PTY, a directory (.raw) of byte-exact streams and their timing index for one without (see recording_format).
   */
  recording?: string;
  /**
   * session.on_end keep, with a session cgroup (enhanced recording): how many processes the session started still run at its end (`nohup cmd &`, a detached tmux or screen, mosh-server). They run on in the session's cgroup, captured and attributed to this session: their events follow this one with the same session_id, and session.linger.end marks when the last one exited. 0: nothing was left.
   */
  lingering?: number;
  /**
   * session.on_end kill: the processes still running at the session's end, killed with its cgroup (the first 64 by pid; killed_count counts all). Absent when nothing was left.
   *
   * @maxItems 64
   */
  killed?: {
    /**
     * Its process id.
     */
    pid: number;
    /**
     * Its command name as the kernel keeps it (/proc/<pid>/comm, at most 15 bytes; empty when it exited before it could be read).
     */
    command: string;
  }[];
  /**
   * How many processes were killed at the session's end (with killed).
   */
  killed_count?: number;
  /**
   * The recording's format: asciicast (v2, a terminal's output, for players) or raw (a session without a PTY: stdout, stderr and, with recording.input, stdin byte for byte, with a timing index; docs/recordings.md). Absent when there is no recording.
   */
  recording_format?: "asciicast" | "raw";
}

/**
 * The fields a producer passes to emit('session.forward', ...).
 */
export interface SessionForwardFields {
  /**
   * listen: a tcpip-forward request (granted or not); unlisten: its listener closed (cancel-tcpip-forward or the end of the connection). open: a forwarded connection was set up (or refused, or failed: see result); close: it ended, with the bytes moved.
   */
  action: "listen" | "unlisten" | "open" | "close";
  /**
   * local: the client asked the server to connect somewhere (direct-tcpip: ssh -L, -D, -W, -J). remote: the server listens and hands connections to the client (tcpip-forward: ssh -R).
   */
  direction: "local" | "remote";
  /**
   * Numbers the connection's forwards: open and close of one forwarded connection, and listen and unlisten of one listener, share it.
   */
  forward_id: number;
  /**
   * remote open and close: the forward_id of the listener that accepted the connection.
   */
  listen_forward_id?: number;
  /**
   * remote: the address the client asked to listen on, as sent (ssh -R without one sends localhost; an empty string means every address).
   */
  listen_host?: string;
  /**
   * remote: the port listened on (the one the server chose when the client asked for 0; on a refusal, the one asked for).
   */
  listen_port?: number;
  /**
   * remote: the address actually bound, after forwarding.gateway_ports (127.0.0.1 unless it allows more; :: is every address).
   */
  bind_addr?: string;
  /**
   * local: the host the client asked to connect to, as sent (a name or an address).
   */
  target_host?: string;
  /**
   * local: the port the client asked to connect to.
   */
  target_port?: number;
  /**
   * local, when connected: the address the helper connected to (target_host resolved).
   */
  target_addr?: string;
  /**
   * Where the forwarded connection came from. local: as the client reports it (the address of the program that connected to ssh's listening port; OpenSSH sends 127.0.0.1 for -W and -J). remote: the peer that connected to the listener.
   */
  originator_addr?: string;
  /**
   * The originator's port (local: as the client reports it; OpenSSH sends 65535 for -W and -J).
   */
  originator_port?: number;
  /**
   * close: bytes the SSH client sent through the forward (towards the target, or towards the peer of a remote forward).
   */
  bytes_in?: number;
  /**
   * close: bytes sent back to the SSH client through the forward.
   */
  bytes_out?: number;
  /**
   * unlisten: connections the listener handed to the client.
   */
  connections?: number;
  /**
   * close: from the connect (local) or the accept (remote) to the end of both directions; unlisten: how long the listener was open, in milliseconds.
   */
  duration_ms?: number;
  /**
   * ok; refused: by policy (see reason), nothing was tried; failed: tried and did not work (see reason).
   */
  result: "ok" | "refused" | "failed";
  /**
   * Why, when result is not ok. refused: forwarding_disabled (forwarding.tcp), key_no_port_forwarding (the key's no-port-forwarding or restrict), not_permitted (the key's permitopen or permitlisten). failed: the error of the helper's connect or listen as the login (ECONNREFUSED, ETIMEDOUT, ENOTFOUND: the name did not resolve, EACCES: a port below 1024 for a non-root login, EADDRINUSE, ...), setup_failed (the forwarding cgroup or helper could not be set up), client_refused (the client did not accept a remote forward's connection).
   */
  reason?: string;
}

/**
 * TCP port forwarding over an SSH connection. A connection's forwards form an audit session of their own, started with its first forward and ended with the connection: its session_id is also on the session.network events of the connects the forwarding helper made for it (as the login, in that session's cgroup). There is no session.start or session.end for it. listen and unlisten: a remote forward (ssh -R, tcpip-forward) began or stopped listening. open and close: one forwarded connection, local (ssh -L, -D, -W and so -J: direct-tcpip; the wire does not tell -D from -L, both are local) or remote (a connection accepted on a remote forward's port). A forward refused by policy before the connection's first granted one carries no session_id. (https://sshtrail.dev/schemas/session.forward/v1.json)
 */
export interface SessionForwardEvent {
  /**
   * The event type.
   */
  type: "session.forward";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.forward/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id?: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * listen: a tcpip-forward request (granted or not); unlisten: its listener closed (cancel-tcpip-forward or the end of the connection). open: a forwarded connection was set up (or refused, or failed: see result); close: it ended, with the bytes moved.
   */
  action: "listen" | "unlisten" | "open" | "close";
  /**
   * local: the client asked the server to connect somewhere (direct-tcpip: ssh -L, -D, -W, -J). remote: the server listens and hands connections to the client (tcpip-forward: ssh -R).
   */
  direction: "local" | "remote";
  /**
   * Numbers the connection's forwards: open and close of one forwarded connection, and listen and unlisten of one listener, share it.
   */
  forward_id: number;
  /**
   * remote open and close: the forward_id of the listener that accepted the connection.
   */
  listen_forward_id?: number;
  /**
   * remote: the address the client asked to listen on, as sent (ssh -R without one sends localhost; an empty string means every address).
   */
  listen_host?: string;
  /**
   * remote: the port listened on (the one the server chose when the client asked for 0; on a refusal, the one asked for).
   */
  listen_port?: number;
  /**
   * remote: the address actually bound, after forwarding.gateway_ports (127.0.0.1 unless it allows more; :: is every address).
   */
  bind_addr?: string;
  /**
   * local: the host the client asked to connect to, as sent (a name or an address).
   */
  target_host?: string;
  /**
   * local: the port the client asked to connect to.
   */
  target_port?: number;
  /**
   * local, when connected: the address the helper connected to (target_host resolved).
   */
  target_addr?: string;
  /**
   * Where the forwarded connection came from. local: as the client reports it (the address of the program that connected to ssh's listening port; OpenSSH sends 127.0.0.1 for -W and -J). remote: the peer that connected to the listener.
   */
  originator_addr?: string;
  /**
   * The originator's port (local: as the client reports it; OpenSSH sends 65535 for -W and -J).
   */
  originator_port?: number;
  /**
   * close: bytes the SSH client sent through the forward (towards the target, or towards the peer of a remote forward).
   */
  bytes_in?: number;
  /**
   * close: bytes sent back to the SSH client through the forward.
   */
  bytes_out?: number;
  /**
   * unlisten: connections the listener handed to the client.
   */
  connections?: number;
  /**
   * close: from the connect (local) or the accept (remote) to the end of both directions; unlisten: how long the listener was open, in milliseconds.
   */
  duration_ms?: number;
  /**
   * ok; refused: by policy (see reason), nothing was tried; failed: tried and did not work (see reason).
   */
  result: "ok" | "refused" | "failed";
  /**
   * Why, when result is not ok. refused: forwarding_disabled (forwarding.tcp), key_no_port_forwarding (the key's no-port-forwarding or restrict), not_permitted (the key's permitopen or permitlisten). failed: the error of the helper's connect or listen as the login (ECONNREFUSED, ETIMEDOUT, ENOTFOUND: the name did not resolve, EACCES: a port below 1024 for a non-root login, EADDRINUSE, ...), setup_failed (the forwarding cgroup or helper could not be set up), client_refused (the client did not accept a remote forward's connection).
   */
  reason?: string;
}

/**
 * The fields a producer passes to emit('session.linger.end', ...).
 */
export interface SessionLingerEndFields {
  /**
   * exited: the last process exited (the cgroup's populated flag fell to 0). exited_unwatched: the cgroup was found empty when the server started: the processes exited while no server watched them, so linger_ms runs to that start. killed: a server start killed them (session.on_end is now kill, or there is no enhanced recording to watch them with); see killed.
   */
  reason: "exited" | "exited_unwatched" | "killed";
  /**
   * How many processes lingered at session.end (its lingering field); those started since are not counted.
   */
  processes: number;
  /**
   * Time from session.start to this event, in milliseconds.
   */
  duration_ms: number;
  /**
   * Time from session.end to this event, in milliseconds.
   */
  linger_ms: number;
  /**
   * Present when the server was stopped (or crashed) and started again since session.end: what the processes did while no server ran was not captured. Absent when they were watched throughout.
   */
  unwatched?: true;
  /**
   * reason killed: the processes killed (the first 64 by pid; killed_count counts all).
   *
   * @maxItems 64
   */
  killed?: {
    /**
     * Its process id.
     */
    pid: number;
    /**
     * Its command name as the kernel keeps it (/proc/<pid>/comm, at most 15 bytes).
     */
    command: string;
  }[];
  /**
   * reason killed: how many processes were killed.
   */
  killed_count?: number;
}

/**
 * The last process a session left running (session.end with lingering > 0, under session.on_end keep) has exited and the session's cgroup was removed: the last event of that session. Between session.end and this event, what those processes ran, opened and connected to was reported under the session's id. (https://sshtrail.dev/schemas/session.linger.end/v1.json)
 */
export interface SessionLingerEndEvent {
  /**
   * The event type.
   */
  type: "session.linger.end";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.linger.end/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * exited: the last process exited (the cgroup's populated flag fell to 0). exited_unwatched: the cgroup was found empty when the server started: the processes exited while no server watched them, so linger_ms runs to that start. killed: a server start killed them (session.on_end is now kill, or there is no enhanced recording to watch them with); see killed.
   */
  reason: "exited" | "exited_unwatched" | "killed";
  /**
   * How many processes lingered at session.end (its lingering field); those started since are not counted.
   */
  processes: number;
  /**
   * Time from session.start to this event, in milliseconds.
   */
  duration_ms: number;
  /**
   * Time from session.end to this event, in milliseconds.
   */
  linger_ms: number;
  /**
   * Present when the server was stopped (or crashed) and started again since session.end: what the processes did while no server ran was not captured. Absent when they were watched throughout.
   */
  unwatched?: true;
  /**
   * reason killed: the processes killed (the first 64 by pid; killed_count counts all).
   *
   * @maxItems 64
   */
  killed?: {
    /**
     * Its process id.
     */
    pid: number;
    /**
     * Its command name as the kernel keeps it (/proc/<pid>/comm, at most 15 bytes).
     */
    command: string;
  }[];
  /**
   * reason killed: how many processes were killed.
   */
  killed_count?: number;
}

/**
 * The fields a producer passes to emit('session.network', ...).
 */
export interface SessionNetworkFields {
  /**
   * The process that connected.
   */
  pid: number;
  /**
   * The process's command name (comm).
   */
  program: string;
  /**
   * Local address of the connection.
   */
  src_addr: string;
  /**
   * Local port of the connection (0 when not yet bound).
   */
  src_port: number;
  /**
   * Remote address the process connected to.
   */
  dst_addr: string;
  /**
   * Remote port the process connected to.
   */
  dst_port: number;
  /**
   * IP version of the connection.
   */
  ip_version: 4 | 6;
  /**
   * Transport protocol.
   */
  protocol: "tcp";
  /**
   * The connect result: 0 on success, a negative errno otherwise (-115, EINPROGRESS, for non-blocking sockets).
   */
  return_code: number;
  /**
   * The session cgroup the process ran in.
   */
  cgroup_id: number;
}

/**
 * A process in the session made an outgoing TCP connection (enhanced recording, from the kernel). (https://sshtrail.dev/schemas/session.network/v1.json)
 */
export interface SessionNetworkEvent {
  /**
   * The event type.
   */
  type: "session.network";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.network/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * The process that connected.
   */
  pid: number;
  /**
   * The process's command name (comm).
   */
  program: string;
  /**
   * Local address of the connection.
   */
  src_addr: string;
  /**
   * Local port of the connection (0 when not yet bound).
   */
  src_port: number;
  /**
   * Remote address the process connected to.
   */
  dst_addr: string;
  /**
   * Remote port the process connected to.
   */
  dst_port: number;
  /**
   * IP version of the connection.
   */
  ip_version: 4 | 6;
  /**
   * Transport protocol.
   */
  protocol: "tcp";
  /**
   * The connect result: 0 on success, a negative errno otherwise (-115, EINPROGRESS, for non-blocking sockets).
   */
  return_code: number;
  /**
   * The session cgroup the process ran in.
   */
  cgroup_id: number;
}

/**
 * The fields a producer passes to emit('session.sftp', ...).
 */
export interface SessionSftpFields {
  /**
   * file: a file was opened, and read or written, through one handle (one event when the handle was closed, or when the session ended with it open). The others: one request that changes the file system (setstat: chmod, chown, touch or truncate, by path or through a handle; hardlink: OpenSSH's hardlink@openssh.com).
   */
  action: "file" | "remove" | "rename" | "mkdir" | "rmdir" | "setstat" | "symlink" | "hardlink";
  /**
   * The path as the client sent it (OpenSSH's clients send absolute paths; a relative one is relative to the login's home directory, where sftp-server starts). For setstat through a handle, the path the handle was opened with. Bytes that are not UTF-8 are replaced by U+FFFD.
   */
  path: string;
  /**
   * rename and hardlink: the new name. symlink: what the link points to (path is the link).
   */
  target?: string;
  /**
   * file: the open flags (SSH_FXF_*) by name.
   */
  flags?: ("read" | "write" | "append" | "create" | "truncate" | "exclusive")[];
  /**
   * file: bytes sftp-server returned from the file (a download).
   */
  bytes_read?: number;
  /**
   * file: bytes sftp-server confirmed written to the file (an upload).
   */
  bytes_written?: number;
  /**
   * file: true when the bytes moved formed one run from offset 0 in order (how sftp and scp copy a file), so that sha256 is the hash of what was transferred. False for random access, a write that failed, a file both read and written, or a server-side copy.
   */
  sequential?: boolean;
  /**
   * file, when sequential: SHA-256 (hex) of the bytes transferred through the handle (written ones when anything was written, else read ones). For a whole-file upload or download this is the file's hash, which a SIEM can match against known files.
   */
  sha256?: string;
  /**
   * setstat: the attributes the client set.
   */
  attrs?: {
    /**
     * Truncated or extended to this size.
     */
    size?: number;
    /**
     * New owner.
     */
    uid?: number;
    /**
     * New group.
     */
    gid?: number;
    /**
     * New mode bits (as st_mode; 420 is 0644).
     */
    permissions?: number;
    /**
     * New access time, Unix seconds.
     */
    atime?: number;
    /**
     * New modification time, Unix seconds.
     */
    mtime?: number;
  };
  /**
   * sftp-server's answer (its SSH_FX_* status by name): ok, or why not (permission_denied, no_such_file, failure, ...). file: the open's status when the open failed, else the close's; not_closed when the session ended with the handle still open. status_N for a code SFTP v3 does not name.
   */
  result: string;
}

/**
 * What an SFTP session (sftp, and scp, which speaks SFTP since OpenSSH 9) did to a file, read from the SFTP packets passing between the client and OpenSSH's sftp-server: one event per file handle when it is closed (action file), one per change to the namespace (remove, rename, mkdir, rmdir, setstat, symlink, hardlink) when its reply arrives. Reads of metadata (stat, directory listings) are not reported; directories listed are not either. (https://sshtrail.dev/schemas/session.sftp/v1.json)
 */
export interface SessionSftpEvent {
  /**
   * The event type.
   */
  type: "session.sftp";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.sftp/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * file: a file was opened, and read or written, through one handle (one event when the handle was closed, or when the session ended with it open). The others: one request that changes the file system (setstat: chmod, chown, touch or truncate, by path or through a handle; hardlink: OpenSSH's hardlink@openssh.com).
   */
  action: "file" | "remove" | "rename" | "mkdir" | "rmdir" | "setstat" | "symlink" | "hardlink";
  /**
   * The path as the client sent it (OpenSSH's clients send absolute paths; a relative one is relative to the login's home directory, where sftp-server starts). For setstat through a handle, the path the handle was opened with. Bytes that are not UTF-8 are replaced by U+FFFD.
   */
  path: string;
  /**
   * rename and hardlink: the new name. symlink: what the link points to (path is the link).
   */
  target?: string;
  /**
   * file: the open flags (SSH_FXF_*) by name.
   */
  flags?: ("read" | "write" | "append" | "create" | "truncate" | "exclusive")[];
  /**
   * file: bytes sftp-server returned from the file (a download).
   */
  bytes_read?: number;
  /**
   * file: bytes sftp-server confirmed written to the file (an upload).
   */
  bytes_written?: number;
  /**
   * file: true when the bytes moved formed one run from offset 0 in order (how sftp and scp copy a file), so that sha256 is the hash of what was transferred. False for random access, a write that failed, a file both read and written, or a server-side copy.
   */
  sequential?: boolean;
  /**
   * file, when sequential: SHA-256 (hex) of the bytes transferred through the handle (written ones when anything was written, else read ones). For a whole-file upload or download this is the file's hash, which a SIEM can match against known files.
   */
  sha256?: string;
  /**
   * setstat: the attributes the client set.
   */
  attrs?: {
    /**
     * Truncated or extended to this size.
     */
    size?: number;
    /**
     * New owner.
     */
    uid?: number;
    /**
     * New group.
     */
    gid?: number;
    /**
     * New mode bits (as st_mode; 420 is 0644).
     */
    permissions?: number;
    /**
     * New access time, Unix seconds.
     */
    atime?: number;
    /**
     * New modification time, Unix seconds.
     */
    mtime?: number;
  };
  /**
   * sftp-server's answer (its SSH_FX_* status by name): ok, or why not (permission_denied, no_such_file, failure, ...). file: the open's status when the open failed, else the close's; not_closed when the session ended with the handle still open. status_N for a code SFTP v3 does not name.
   */
  result: string;
}

/**
 * The fields a producer passes to emit('session.start', ...).
 */
export interface SessionStartFields {
  /**
   * What the client asked for: an interactive shell, one command, or a subsystem (e.g. sftp).
   */
  kind: "shell" | "exec" | "subsystem";
  /**
   * The command line (exec) or subsystem name (subsystem), as the client sent it.
   */
  command?: string;
  /**
   * The command that ran instead, whatever the client asked for: forced by access.force_command or a match block (as sshd's ForceCommand), else by the key's authorized_keys line (command="..."); see forced_by. Absent when none is forced. The client's request stays in kind and command. internal-sftp: the login is SFTP-only.
   */
  forced_command?: string;
  /**
   * Where forced_command comes from: the server's config (access.force_command or a match block; it wins) or the key's authorized_keys line.
   */
  forced_by?: "config" | "authorized_keys";
  /**
   * The config's match blocks that apply to this login (their names, or match[N]), in config order; absent when none does.
   */
  match_blocks?: string[];
  /**
   * The client asked for a pseudo-terminal and was refused: by the key's no-pty or restrict option, or by access.permit_tty false (or a match block's). The session runs without one.
   */
  pty_refused?: "key_option" | "permit_tty";
  /**
   * Whether the session has a pseudo-terminal.
   */
  pty: boolean;
  /**
   * The terminal type the client requested with its pty.
   */
  term?: string;
  /**
   * Terminal width in columns at the start.
   */
  width?: number;
  /**
   * Terminal height in rows at the start.
   */
  height?: number;
  /**
   * The session's cgroup id when enhanced recording is on: kernel events carry the same id.
   */
  cgroup_id?: number;
  /**
   * The kernel's audit session id of the session (/proc/<pid>/sessionid; auditd's ses=), given when the server runs as root and could set the login's audit uid (/proc/self/loginuid; auditd's auid=). Every process of the session carries it, so it attributes kernel and audit records to the session beside cgroup_id. Absent on a kernel without audit support or where the loginuid cannot be set.
   */
  audit_session_id?: number;
}

/**
 * A session channel started a shell, a command or a subsystem. (https://sshtrail.dev/schemas/session.start/v1.json)
 */
export interface SessionStartEvent {
  /**
   * The event type.
   */
  type: "session.start";
  /**
   * This schema's $id.
   */
  schema: "https://sshtrail.dev/schemas/session.start/v1.json";
  /**
   * Unique event id, a UUIDv7: sorting ids sorts events by the time they were stamped.
   */
  id: string;
  /**
   * When the event happened: RFC 3339, UTC, nanoseconds. For events from the kernel (session.command, session.disk, session.network) the kernel's timestamp of the syscall (exec, open, connect), so they are in the order the syscalls ran; for the others, when the server stamped the event. Both are on one timeline: the wall clock read once at start-up, advanced by the monotonic clock.
   */
  time: string;
  /**
   * Sequence number: per session (+1 for every event of the session, starting at 1) when session_id is set, otherwise per server. A gap means events were lost (see audit.loss).
   */
  seq: number;
  /**
   * Stable identifier of the sshtrail server that produced the event.
   */
  server_id: string;
  /**
   * Host name of the machine the server runs on.
   */
  hostname: string;
  /**
   * The SSH session the event belongs to; absent for events outside a session (authentication, loss reports).
   */
  session_id: string;
  /**
   * The account name the client asked to log in as.
   */
  login: string;
  /**
   * The identity the client authenticated with.
   */
  user?: {
    /**
     * Public key algorithm, as its SSH wire name.
     */
    key_type: string;
    /**
     * OpenSSH-style key fingerprint: SHA256 of the public key blob, base64 without padding.
     */
    fingerprint: string;
  };
  /**
   * The client's IP address as seen by the server.
   */
  client_addr: string;
  /**
   * The client's TCP source port.
   */
  client_port: number;
  /**
   * What the client asked for: an interactive shell, one command, or a subsystem (e.g. sftp).
   */
  kind: "shell" | "exec" | "subsystem";
  /**
   * The command line (exec) or subsystem name (subsystem), as the client sent it.
   */
  command?: string;
  /**
   * The command that ran instead, whatever the client asked for: forced by access.force_command or a match block (as sshd's ForceCommand), else by the key's authorized_keys line (command="..."); see forced_by. Absent when none is forced. The client's request stays in kind and command. internal-sftp: the login is SFTP-only.
   */
  forced_command?: string;
  /**
   * Where forced_command comes from: the server's config (access.force_command or a match block; it wins) or the key's authorized_keys line.
   */
  forced_by?: "config" | "authorized_keys";
  /**
   * The config's match blocks that apply to this login (their names, or match[N]), in config order; absent when none does.
   */
  match_blocks?: string[];
  /**
   * The client asked for a pseudo-terminal and was refused: by the key's no-pty or restrict option, or by access.permit_tty false (or a match block's). The session runs without one.
   */
  pty_refused?: "key_option" | "permit_tty";
  /**
   * Whether the session has a pseudo-terminal.
   */
  pty: boolean;
  /**
   * The terminal type the client requested with its pty.
   */
  term?: string;
  /**
   * Terminal width in columns at the start.
   */
  width?: number;
  /**
   * Terminal height in rows at the start.
   */
  height?: number;
  /**
   * The session's cgroup id when enhanced recording is on: kernel events carry the same id.
   */
  cgroup_id?: number;
  /**
   * The kernel's audit session id of the session (/proc/<pid>/sessionid; auditd's ses=), given when the server runs as root and could set the login's audit uid (/proc/self/loginuid; auditd's auid=). Every process of the session carries it, so it attributes kernel and audit records to the session beside cgroup_id. Absent on a kernel without audit support or where the loginuid cannot be set.
   */
  audit_session_id?: number;
}

/** Fields by event type. */
export interface EventFieldsByType {
  'audit.checkpoint': AuditCheckpointFields;
  'audit.loss': AuditLossFields;
  'audit.test': AuditTestFields;
  'auth.failure': AuthFailureFields;
  'auth.success': AuthSuccessFields;
  'recording.removed': RecordingRemovedFields;
  'session.agent': SessionAgentFields;
  'session.command': SessionCommandFields;
  'session.disk': SessionDiskFields;
  'session.end': SessionEndFields;
  'session.forward': SessionForwardFields;
  'session.linger.end': SessionLingerEndFields;
  'session.network': SessionNetworkFields;
  'session.sftp': SessionSftpFields;
  'session.start': SessionStartFields;
}

/** Stamped events by event type. */
export interface EventsByType {
  'audit.checkpoint': AuditCheckpointEvent;
  'audit.loss': AuditLossEvent;
  'audit.test': AuditTestEvent;
  'auth.failure': AuthFailureEvent;
  'auth.success': AuthSuccessEvent;
  'recording.removed': RecordingRemovedEvent;
  'session.agent': SessionAgentEvent;
  'session.command': SessionCommandEvent;
  'session.disk': SessionDiskEvent;
  'session.end': SessionEndEvent;
  'session.forward': SessionForwardEvent;
  'session.linger.end': SessionLingerEndEvent;
  'session.network': SessionNetworkEvent;
  'session.sftp': SessionSftpEvent;
  'session.start': SessionStartEvent;
}

/** The event types the schemas define. */
export type EventType = keyof EventFieldsByType;

/** What a producer passes to emit(type, ...): the type's own fields, not the envelope. */
export type FieldsOf<T extends EventType> = EventFieldsByType[T];

/** A stamped event of one type, as a sink sees it. */
export type EventOf<T extends EventType> = EventsByType[T];

/** Any stamped, validated event as it leaves sshtrail: narrow on `type` to read its fields. */
export type AuditEvent = EventsByType[EventType];

/** The schemas' enums, by type and field. */
export type AuditLossReason = AuditLossFields['reason'];
export type AuthFailureReason = AuthFailureFields['reason'];
export type AuthSuccessMethod = AuthSuccessFields['method'];
export type RecordingRemovedReason = RecordingRemovedFields['reason'];
export type SessionAgentAction = SessionAgentFields['action'];
export type SessionAgentReason = NonNullable<SessionAgentFields['reason']>;
export type SessionEndReason = NonNullable<SessionEndFields['reason']>;
export type SessionEndRecordingError = NonNullable<SessionEndFields['recording_error']>;
export type SessionEndRecordingFormat = NonNullable<SessionEndFields['recording_format']>;
export type SessionForwardAction = SessionForwardFields['action'];
export type SessionForwardDirection = SessionForwardFields['direction'];
export type SessionForwardResult = SessionForwardFields['result'];
export type SessionLingerEndReason = SessionLingerEndFields['reason'];
export type SessionNetworkIpVersion = SessionNetworkFields['ip_version'];
export type SessionNetworkProtocol = SessionNetworkFields['protocol'];
export type SessionSftpAction = SessionSftpFields['action'];
export type SessionSftpFlags = NonNullable<SessionSftpFields['flags']>[number];
export type SessionStartKind = SessionStartFields['kind'];
export type SessionStartForcedBy = NonNullable<SessionStartFields['forced_by']>;
export type SessionStartPtyRefused = NonNullable<SessionStartFields['pty_refused']>;
