/**
 * The algorithms sshtrail offers, listed explicitly rather than taken from ssh2's defaults: no
 * SHA-1 anywhere (no ssh-rsa signatures, no hmac-sha1, no sha1 kex), no NIST curves (ssh-audit
 * fails them), no encrypt-and-MAC modes, no compression. chacha20-poly1305 first: with ssh2's
 * native binding it is the fastest cipher here, AES-GCM lags (docs/design.md, "Ciphers").
 * The config's `ciphers`, `kex_algorithms`, `macs` and `host_key_algorithms` replace these lists
 * (sshd's Ciphers, KexAlgorithms, MACs, HostKeyAlgorithms), within what ssh2 can do.
 */
export const algorithms = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group18-sha512',
    // No diffie-hellman-group-exchange-*: ssh2's server cannot answer a GEX request, so offering
    // it failed every client that prefers it.
  ],
  // RSA host keys sign with rsa-sha2-* only; see host-keys.ts for how ssh-rsa is kept out.
  serverHostKey: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-ctr',
    'aes192-ctr',
    'aes128-ctr',
  ],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'],
  compress: ['none'],
};

/**
 * What a config may name: ssh2 1.17's supported lists (lib/protocol/constants.js, checked by
 * test/ssh/algorithm-config.test.ts), less what its server cannot do (group exchange) or
 * sshtrail never signs with (ssh-rsa, ssh-dss: SHA-1; host-keys.ts keeps them out).
 */
export const supportedAlgorithms = {
  kex_algorithms: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group15-sha512',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group17-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group14-sha1',
    'diffie-hellman-group1-sha1',
  ],
  ciphers: [
    'chacha20-poly1305@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-gcm',
    'aes256-gcm',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-cbc',
    'aes192-cbc',
    'aes256-cbc',
    '3des-cbc',
  ],
  macs: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
    'hmac-md5',
    'hmac-sha2-256-96',
    'hmac-sha2-512-96',
    'hmac-ripemd160',
    'hmac-sha1-96',
    'hmac-md5-96',
  ],
  host_key_algorithms: [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ],
} as const;

export type AlgorithmKey = keyof typeof supportedAlgorithms;

/** Why a config list cannot be used, one line per problem naming its key and the algorithm. */
export function algorithmProblems(key: AlgorithmKey, names: readonly string[] | undefined): string[] {
  if (names === undefined) return [];
  const known: readonly string[] = supportedAlgorithms[key];
  const out: string[] = [];
  names.forEach((name, i) => {
    if (known.includes(name)) return;
    const why = /^diffie-hellman-group-exchange-/.test(name)
      ? "is not supported (ssh2's server cannot answer a group exchange)"
      : name === 'ssh-rsa' || name === 'ssh-dss'
        ? 'is not supported (SHA-1 signatures are never made; RSA keys sign with rsa-sha2-512 and rsa-sha2-256)'
        : 'is not an algorithm sshtrail supports';
    out.push(`${key}[${i}]: '${name}' ${why} (supported: ${known.join(', ')})`);
  });
  return out;
}

/** What the config's lists make of the built-in ones (undefined: the built-in list). */
export interface AlgorithmConfig {
  ciphers?: readonly string[];
  kex_algorithms?: readonly string[];
  macs?: readonly string[];
  host_key_algorithms?: readonly string[];
}

export function offeredAlgorithms(c: AlgorithmConfig) {
  return {
    kex: [...(c.kex_algorithms ?? algorithms.kex)],
    serverHostKey: [...(c.host_key_algorithms ?? algorithms.serverHostKey)],
    cipher: [...(c.ciphers ?? algorithms.cipher)],
    hmac: [...(c.macs ?? algorithms.hmac)],
    compress: [...algorithms.compress],
  };
}

/**
 * Public-key algorithms a client may authenticate with (signatures verified in auth.ts), in the
 * order sent to the client as server-sig-algs (EXT_INFO, RFC 8308): sshd's since OpenSSH 8.8,
 * which refuses SHA-1 ssh-rsa signatures by default, as sshtrail does. Clients read the list to
 * choose how to sign with an RSA key (Dropbear and AsyncSSH fall back to ssh-rsa without it).
 */
export const userKeyAlgorithms = new Set([
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
]);
