/* Generated from schemas/ by core/events/codegen.ts; do not edit. Run: node dist/core/events/codegen.js */

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
  client_addr?: {
    [k: string]: unknown | undefined;
  } & string;
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
  client_addr?: {
    [k: string]: unknown | undefined;
  } & string;
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
   * Why the attempt was refused (detail says more). An authorized keys file refused by auth.strict_modes (as sshd's StrictModes) is key_not_authorized, with a detail starting "StrictModes:". Connections refused before the handshake (method "none"): connection_limit, too many unauthenticated connections in all; startups_early_drop, refused by random early drop as that limit nears; source_limit, too many from the client's address block; source_penalty, the block is serving a penalty for earlier failed, idle or malformed connections.
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
    | "source_penalty";
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
   * Why the attempt was refused (detail says more). An authorized keys file refused by auth.strict_modes (as sshd's StrictModes) is key_not_authorized, with a detail starting "StrictModes:". Connections refused before the handshake (method "none"): connection_limit, too many unauthenticated connections in all; startups_early_drop, refused by random early drop as that limit nears; source_limit, too many from the client's address block; source_penalty, the block is serving a penalty for earlier failed, idle or malformed connections.
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
    | "source_penalty";
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
   * Why the session ended other than by its shell or command exiting; absent when it exited. recording_failed: its recording could not be written (see recording_error) and recording.on_failure is refuse: the session was refused before anything ran, or ended when the recording failed mid-way. start_failed: the process could not be started after session.start (e.g. E2BIG, an environment too big for the kernel), so there is no exit_code or signal. server_crash: the server stopped without ending the session (kill -9, a crash) and its next start killed what the session left: duration_ms then runs to that start, and bytes_in and bytes_out are 0 (not known).
   */
  reason?: "start_failed" | "server_crash" | "recording_failed";
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
   * Path of the session's asciicast recording on the server, when one was made.
   */
  recording?: string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
   * Why the session ended other than by its shell or command exiting; absent when it exited. recording_failed: its recording could not be written (see recording_error) and recording.on_failure is refuse: the session was refused before anything ran, or ended when the recording failed mid-way. start_failed: the process could not be started after session.start (e.g. E2BIG, an environment too big for the kernel), so there is no exit_code or signal. server_crash: the server stopped without ending the session (kill -9, a crash) and its next start killed what the session left: duration_ms then runs to that start, and bytes_in and bytes_out are 0 (not known).
   */
  reason?: "start_failed" | "server_crash" | "recording_failed";
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
   * Path of the session's asciicast recording on the server, when one was made.
   */
  recording?: string;
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
  src_addr: {
    [k: string]: unknown | undefined;
  } & string;
  /**
   * Local port of the connection (0 when not yet bound).
   */
  src_port: number;
  /**
   * Remote address the process connected to.
   */
  dst_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
  src_addr: {
    [k: string]: unknown | undefined;
  } & string;
  /**
   * Local port of the connection (0 when not yet bound).
   */
  src_port: number;
  /**
   * Remote address the process connected to.
   */
  dst_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
   * The command that ran instead, forced by the key's authorized_keys line (command="..."), whatever the client asked for; absent when none is forced. The client's request stays in kind and command.
   */
  forced_command?: string;
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
  client_addr: {
    [k: string]: unknown | undefined;
  } & string;
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
   * The command that ran instead, forced by the key's authorized_keys line (command="..."), whatever the client asked for; absent when none is forced. The client's request stays in kind and command.
   */
  forced_command?: string;
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
}

/** Fields by event type. */
export interface EventFieldsByType {
  'audit.loss': AuditLossFields;
  'audit.test': AuditTestFields;
  'auth.failure': AuthFailureFields;
  'auth.success': AuthSuccessFields;
  'session.agent': SessionAgentFields;
  'session.command': SessionCommandFields;
  'session.disk': SessionDiskFields;
  'session.end': SessionEndFields;
  'session.network': SessionNetworkFields;
  'session.sftp': SessionSftpFields;
  'session.start': SessionStartFields;
}

/** Any event sshtrail emits today. */
export type SshtrailEvent =
  | AuditLossEvent
  | AuditTestEvent
  | AuthFailureEvent
  | AuthSuccessEvent
  | SessionAgentEvent
  | SessionCommandEvent
  | SessionDiskEvent
  | SessionEndEvent
  | SessionNetworkEvent
  | SessionSftpEvent
  | SessionStartEvent;
