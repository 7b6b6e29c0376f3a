/**
 * The whole configuration schema: the server's own keys, declared here, composed with the
 * fragments other modules own (ssh: the algorithm lists; pipeline: sinks/pipeline/metrics; bpf:
 * enhanced_recording), which the composition root (core/compose/config.ts) hands in, so that
 * core/config imports none of them. One declaration gives validation, defaults (ajv
 * `useDefaults`) and documentation.
 */

const seconds = (description: string, dflt: number, minimum = 0) => ({
  type: 'number',
  minimum,
  default: dflt,
  description,
});

/** A list of sshd name patterns (`*`, `?`), one per entry, for AllowUsers-style keys. */
const namePatterns = (description: string, withHost: boolean) => ({
  type: 'array',
  items: {
    type: 'string',
    // No negation here (sshd has none in these lists either); `user@host` only for users.
    pattern: withHost ? '^[^!\\s@,][^\\s@,]*(@[^\\s@]+)?$' : '^[^!\\s,][^\\s,]*$',
  },
  default: [],
  description,
});

/** A Match criterion: a pattern list, `!` negating an entry. */
const criterion = (description: string) => ({
  type: 'array',
  items: { type: 'string', pattern: '^!?[^!\\s,]+$' },
  minItems: 1,
  description,
});

const permitRootLogin = {
  enum: ['yes', 'prohibit-password', 'no', 'forced-commands-only'],
  description:
    "As sshd's PermitRootLogin. sshtrail only authenticates with keys, so prohibit-password is yes; forced-commands-only lets root in only with a key whose authorized_keys line has command=; no refuses root (auth.failure reason root_login_refused).",
};
const forceCommand = {
  type: 'string',
  minLength: 1,
  description:
    "As sshd's ForceCommand: run this (with the login's shell -c) instead of whatever the client asked for, the client's command in SSH_ORIGINAL_COMMAND; it wins over a key's command=. `internal-sftp`, or the configured sftp.server, makes the login SFTP-only: the sftp subsystem works and a shell or command is refused with \"This service allows sftp connections only.\" (session.end reason sftp_only). `none`: no forced command.",
};
const permitTty = {
  type: 'boolean',
  description: "As sshd's PermitTTY: false refuses pty requests (the session runs without a terminal).",
};

/** What a `match` block may set; the same keys as `access` (and sftp, forwarding) for one login. */
const matchSettings = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    permit_root_login: permitRootLogin,
    force_command: forceCommand,
    permit_tty: permitTty,
    sftp: {
      type: 'boolean',
      description: 'Whether the sftp subsystem is served to the login (sftp.enabled).',
    },
    forwarding: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      // The top-level keys without their defaults: a key a block does not set is not overridden.
      properties: {
        agent: { type: 'boolean' },
        tcp: { enum: ['all', 'local', 'remote', 'none'] },
        gateway_ports: { enum: ['no', 'yes', 'clientspecified'] },
      },
      description:
        'Overrides keys of the top-level `forwarding` settings for the login, key by key (each as sshd AllowAgentForwarding, AllowTcpForwarding and GatewayPorts in a Match block).',
    },
  },
};

const LISTEN_PATTERN = '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s]+|[0-9a-fA-F:]+):[0-9]{1,5}$';

export const serverConfigProperties: Record<string, unknown> = {
  listen: {
    oneOf: [
      { type: 'string', pattern: LISTEN_PATTERN },
      { type: 'array', items: { type: 'string', pattern: LISTEN_PATTERN }, minItems: 1, uniqueItems: true },
    ],
    description:
      "Address to listen on, HOST:PORT (port 0 takes a free port), or a list of them (sshd's several ListenAddress). --listen replaces it with one.",
    examples: ['127.0.0.1:2222', ['0.0.0.0:22', '[::]:22']],
  },
  pid_file: {
    type: 'string',
    pattern: '^/',
    description:
      "sshd's PidFile: written (mode 0644) with the server's pid once every listen address is open, removed at stop. Absent: none.",
    examples: ['/run/sshtrail.pid'],
  },
  data_dir: {
    type: 'string',
    minLength: 1,
    description:
      'Where host keys, recordings and events live. Default ./.sshtrail, or /var/lib/sshtrail as root.',
  },
  ident: {
    type: 'string',
    pattern: '^[\\x21-\\x7e]{1,64}$',
    default: 'sshtrail',
    description: 'Software version sent in the SSH identification string (no version number by default).',
  },
  host_keys: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    minItems: 1,
    description:
      'Private host key files (OpenSSH format). Default: ed25519 and RSA-3072 keys generated into <data_dir>/host_keys.',
  },
  server_nice: {
    type: 'integer',
    minimum: -20,
    maximum: 19,
    default: -10,
    description:
      "Nice value the server gives itself at start (as root; sessions run at 0). One server process answers every login while each session is scheduled as a peer of the whole server: without a higher weight, a few hundred busy sessions starve new logins at the banner exchange. 0 leaves the server's priority as started.",
  },
  log: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      level: { enum: ['debug', 'info', 'warn', 'error'], default: 'info' },
      format: { enum: ['text', 'json'], default: 'text' },
    },
  },
  auth: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description: 'Public-key authentication.',
    properties: {
      authorized_keys_file: {
        type: 'string',
        minLength: 1,
        default: '%h/.ssh/authorized_keys',
        description: "Authorized keys per login; %h is the login's home, %u the login, %% a percent sign.",
      },
      authorized_keys_command: {
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
        description:
          "sshd's AuthorizedKeysCommand, as an argv (no shell): its standard output is read as authorized_keys lines, options honoured, when the key is not let in by authorized_keys_file. Tokens: %u the login, %U its uid, %h its home, %t the key type, %f its fingerprint, %k the key (base64), %% a percent sign. The program must be an absolute path. It runs as authorized_keys_command_user with only PATH set; a non-zero exit, a timeout or more than 1 MiB of output uses none of its keys and logs why.",
        examples: [['/usr/local/bin/keys-from-ldap', '%u', '%f']],
      },
      authorized_keys_command_user: {
        type: 'string',
        minLength: 1,
        description:
          "sshd's AuthorizedKeysCommandUser: the account authorized_keys_command runs as (required with it; a dedicated unprivileged account, as sshd recommends).",
      },
      authorized_keys_command_timeout: seconds(
        'Seconds authorized_keys_command may run before it is killed and its keys are not used.',
        10,
        0.1,
      ),
      max_attempts: {
        type: 'integer',
        minimum: 1,
        default: 6,
        description:
          'Authentication attempts per connection: refused requests and publickey queries answered yes (a query and the signed request that follows it are one attempt).',
      },
      grace_time: seconds('Seconds a connection has to authenticate (0: no limit).', 120),
      kex_timeout: seconds(
        'Seconds a connection has to finish its key exchange (0: only grace_time applies). Shorter than grace_time, so that a client that stalls before or during the key exchange is logged and dropped early.',
        30,
      ),
      max_unauthenticated: {
        type: 'integer',
        minimum: 1,
        default: 100,
        description:
          "Connections allowed to be authenticating at once; more are refused (the `full` of sshd's MaxStartups start:rate:full).",
      },
      early_drop: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description:
          "Random early drop (sshd's MaxStartups start:rate): from `start` unauthenticated connections on, a new one is refused with probability `rate`%, rising linearly to 100% at max_unauthenticated. `start` at or above max_unauthenticated turns it off.",
        properties: {
          start: { type: 'integer', minimum: 1, default: 30 },
          rate: { type: 'integer', minimum: 0, maximum: 100, default: 30 },
        },
      },
      per_source: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description:
          "Limits per client address block (sshd's PerSourceMaxStartups and PerSourceNetBlockSize); the block is also what penalties apply to.",
        properties: {
          max_unauthenticated: {
            type: 'integer',
            minimum: 0,
            default: 20,
            description:
              'Connections one address block may have authenticating at once (0: no limit). Below early_drop.start, so one source alone cannot make others be dropped.',
          },
          ipv4_prefix: {
            type: 'integer',
            minimum: 0,
            maximum: 32,
            default: 32,
            description: 'Bits of an IPv4 address that make a block.',
          },
          ipv6_prefix: {
            type: 'integer',
            minimum: 0,
            maximum: 128,
            default: 128,
            description: 'Bits of an IPv6 address that make a block.',
          },
        },
      },
      penalties: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description:
          "sshd's PerSourcePenalties: each offence adds its seconds to the block's penalty (capped at `max` from now); once it has accrued `min` the block's new connections are refused until it ends.",
        properties: {
          enabled: { type: 'boolean', default: true },
          authfail: seconds('For a connection closed after failed authentication attempts.', 5),
          noauth: seconds('For a connection closed without attempting authentication.', 1),
          grace_exceeded: seconds('For a connection that did not authenticate within grace_time.', 20),
          protocol_error: seconds('For a connection that sent a packet the protocol layer rejected.', 30),
          min: seconds('Penalty a block must accrue before it is refused.', 15),
          max: seconds('Longest a block is refused for.', 600),
          max_sources_ipv4: {
            type: 'integer',
            minimum: 1,
            default: 65536,
            description: 'IPv4 blocks tracked at most.',
          },
          max_sources_ipv6: {
            type: 'integer',
            minimum: 1,
            default: 65536,
            description: 'IPv6 blocks tracked at most.',
          },
          overflow: {
            enum: ['permissive', 'deny-all'],
            default: 'permissive',
            description:
              'With a full table: permissive ends the penalty that ends soonest to make room; deny-all refuses every source not exempt until one ends.',
          },
          exempt: {
            type: 'array',
            items: { type: 'string', pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' },
            default: [],
            description: "Addresses and CIDR blocks never penalised (sshd's PerSourcePenaltyExemptList).",
          },
        },
      },
      locked_accounts: {
        enum: ['allow_keys', 'refuse'],
        default: 'allow_keys',
        description:
          "An account whose password field starts with \"!\" (passwd -l, usermod -L, and every account Debian's useradd makes). allow_keys: a key may still log in, as Debian's sshd (UsePAM yes: PAM's account check does not look at the lock), and auth.success says account_locked; refuse: refused whatever the key, as sshd without PAM (auth.failure account_locked). An expired account is refused either way.",
      },
      strict_modes: {
        type: 'boolean',
        default: true,
        description:
          "As sshd's StrictModes: refuse an authorized keys file that is not a regular file owned by the login or root, or that is group- or world-writable, or below a directory (up to the login's home, or / outside it) that is owned by someone else or group- or world-writable.",
      },
    },
  },
  session: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      max_per_connection: { type: 'integer', minimum: 1, default: 10 },
      max_total: { type: 'integer', minimum: 1, default: 100 },
      idle_timeout: seconds('Seconds without traffic before a connection is closed (0: never).', 0),
      keepalive_interval: seconds('Seconds between keepalive probes (0: off).', 15),
      keepalive_count_max: { type: 'integer', minimum: 0, default: 3 },
      shutdown_grace: seconds('Seconds sessions get to end after SIGTERM/SIGINT.', 10),
      on_end: {
        enum: ['keep', 'kill'],
        default: 'keep',
        description:
          "What happens to a session's processes still running when its shell or command has ended (`nohup cmd &`, a detached tmux or screen, mosh-server). keep (as sshd): they run on in the session's cgroup, still captured and attributed to the session; session.end gives how many linger and session.linger.end marks when the last one exited. kill: they are killed at the end of the session, and session.end lists them.",
      },
      path: {
        type: 'string',
        default: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        description: 'PATH given to sessions.',
      },
      env_allow: {
        type: 'array',
        items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*\\*?$' },
        default: ['LANG', 'LC_*'],
        description:
          'Client `env` requests accepted (a trailing * is a prefix match). Names that change how programs load or run (LD_*, BASH_ENV, SHELLOPTS, GLIBC_TUNABLES, ...: core/session/env.ts) are always refused.',
      },
      env_max_count: {
        type: 'integer',
        minimum: 0,
        maximum: 1024,
        default: 128,
        description:
          'Most variables a client may set with `env` requests in one session (as sshd, which ignores more than 128); further requests are refused and logged.',
      },
      env_max_bytes: {
        type: 'integer',
        minimum: 0,
        maximum: 16 * 1024 * 1024,
        default: 64 * 1024,
        description:
          'Most bytes (names and values) a client may set with `env` requests in one session; a request past it is refused and logged. The kernel refuses to start a program whose arguments and environment pass about 2 MiB (E2BIG): a session that cannot start ends with session.end reason start_failed.',
      },
    },
  },
  sftp: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      enabled: {
        type: 'boolean',
        default: true,
        description: 'Serve the `sftp` subsystem (sftp, and scp, which speaks SFTP since OpenSSH 9).',
      },
      server: {
        type: 'string',
        pattern: '^/',
        default: '/usr/lib/openssh/sftp-server',
        description:
          "OpenSSH's sftp-server (Debian: openssh-sftp-server), run for each sftp session through the launcher as the login, like a command. Checked at start: when it is missing, a warning is logged and the subsystem is refused.",
      },
    },
  },
  access: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description:
      "Who may log in and what a login gets (sshd's AllowUsers, DenyUsers, AllowGroups, DenyGroups, PermitRootLogin, ForceCommand, PermitTTY, Banner). Checked in sshd's order: deny_users, allow_users, deny_groups, allow_groups; a login refused by them gets auth.failure reason login_not_allowed before any key is looked at.",
    properties: {
      allow_users: namePatterns(
        'If not empty, only logins matching one of these patterns may log in. `user@host` also requires the client address to match host (a comma-separated list of addresses, wildcards, CIDR blocks, `!` negating one; no DNS).',
        true,
      ),
      deny_users: namePatterns(
        'Logins matching one of these patterns (`user@host` as in allow_users) are refused.',
        true,
      ),
      allow_groups: namePatterns(
        'If not empty, only logins with a primary or supplementary group whose name matches one of these patterns may log in.',
        false,
      ),
      deny_groups: namePatterns(
        'Logins with a primary or supplementary group whose name matches one of these patterns are refused.',
        false,
      ),
      permit_root_login: { ...permitRootLogin, default: 'prohibit-password' },
      force_command: forceCommand,
      permit_tty: { ...permitTty, default: true },
      banner: {
        type: 'string',
        pattern: '^/',
        description:
          "As sshd's Banner: a file whose text is sent to the client before authentication (OpenSSH's ssh prints it on stderr). Read at start and at each reload; a file that cannot be read is logged and no banner is sent.",
      },
    },
  },
  match: {
    type: 'array',
    default: [],
    description:
      "sshd's Match blocks: each `when` (user, group, address: pattern lists, all given must match) selects the logins its `set` applies to. For each setting the first matching block that sets it wins, over the value outside any block (as sshd).",
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['when', 'set'],
      properties: {
        name: {
          type: 'string',
          pattern: '^[\\x21-\\x7e]{1,64}$',
          description: 'Names the block in logs and in session.start match_blocks (default: match[N]).',
        },
        when: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            user: criterion('Login name patterns.'),
            group: criterion(
              "Group name patterns, matched against the login's primary and supplementary groups.",
            ),
            address: criterion('Client address patterns: addresses, wildcards, CIDR blocks.'),
          },
        },
        set: matchSettings,
      },
    },
  },
  forwarding: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      agent: {
        type: 'boolean',
        default: true,
        description:
          "Agent forwarding (ssh -A), as sshd's AllowAgentForwarding: the session gets SSH_AUTH_SOCK, a socket in a directory only the login can reach, each connection to which is relayed to the client's agent. The authorized_keys options no-agent-forwarding and restrict refuse it for a key.",
      },
      tcp: {
        enum: ['all', 'local', 'remote', 'none'],
        default: 'all',
        description:
          "TCP forwarding allowed, as sshd's AllowTcpForwarding: local (`ssh -L`, `-D`, `-J`: direct-tcpip), remote (`ssh -R`: tcpip-forward), both, or none. Forwarded sockets are opened by a helper running as the login in the connection's forwarding cgroup; each forward is a session.forward event.",
      },
      gateway_ports: {
        enum: ['no', 'yes', 'clientspecified'],
        default: 'no',
        description:
          "Where remote forwards listen, as sshd's GatewayPorts: no: loopback only, whatever the client asks; yes: every address; clientspecified: the address the client names (every address for an empty one or `*`).",
      },
    },
  },
  recording: {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      input: {
        type: 'boolean',
        default: false,
        description: 'Also record what the client typed (`i` events).',
      },
      flush_interval: seconds(
        'Seconds between recording flushes (at most one second is lost on a crash).',
        1,
        0.01,
      ),
      direct_io: {
        enum: ['auto', 'off'],
        default: 'auto',
        description:
          'auto: write recordings with O_DIRECT where the filesystem takes it (bypasses the page cache: ' +
          'far less kernel CPU for bulk output; output then waits on the disk sooner); off: buffered writes.',
      },
      on_failure: {
        enum: ['refuse', 'continue'],
        default: 'refuse',
        description:
          'When a recording cannot be written (disk full, I/O error). refuse: a new session is refused before anything runs, and a session whose recording fails mid-way is told and ended (an unrecorded session is what an attacker wants); continue: the session goes on unrecorded. Either way the recording keeps its whole lines up to the failure, and session.end says so (recording_error; reason recording_failed when refused or ended).',
      },
      redact_hidden_input: {
        type: 'boolean',
        default: true,
        description:
          'With `input` on: what is typed while the terminal does not echo it (a password at `sudo`, `passwd`, `read -s`: ECHO off in canonical mode) is recorded as a marker with its length, `[t, "m", "sshtrail:hidden_input bytes=N"]`, never its bytes. false: the input is recorded as typed.',
      },
      retention: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description:
          "Removes ended recordings, oldest first, past either limit (none by default); a live session's recording is never removed. Each removal is a recording.removed event.",
        properties: {
          max_age_days: {
            type: 'number',
            exclusiveMinimum: 0,
            description: 'Recordings whose session started longer ago than this many days are removed.',
          },
          max_total_bytes: {
            type: 'integer',
            minimum: 0,
            description:
              'Most bytes all recordings may take on disk (allocated blocks); past it the oldest are removed until they fit, live ones counted but kept.',
          },
          check_interval: seconds(
            'Seconds between retention checks (also one at start): recordings grow only as fast as sessions write, so a check a minute bounds the overshoot at a minute of output.',
            60,
            1,
          ),
        },
      },
    },
  },
  integrity: {
    type: 'object',
    additionalProperties: false,
    default: {},
    description:
      'Tamper evidence (docs/tamper-evidence.md): every recording and the audit file keep a hash chain beside them; checkpoints of the chains go into the event stream.',
    properties: {
      checkpoint_interval_seconds: seconds(
        'Seconds between audit.checkpoint events. A rewrite of a file on the host goes unseen by the SIEM only if it is done within this long of the bytes being written; one small event per interval per host.',
        30,
        1,
      ),
      signing_key: {
        type: 'string',
        minLength: 1,
        description:
          'An ed25519 private key (PEM, e.g. `openssl genpkey -algorithm ed25519`) that signs each audit.checkpoint; `sshtrail verify --public-key` checks the signatures.',
      },
    },
  },
};

/** The schema of the server's keys and the given fragments (each: top-level key -> its schema). */
export function configSchema(fragments: readonly Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://sshtrail.dev/schemas/config.json',
    title: 'sshtrail configuration',
    type: 'object',
    additionalProperties: false,
    properties: Object.assign({}, serverConfigProperties, ...fragments),
  };
}
