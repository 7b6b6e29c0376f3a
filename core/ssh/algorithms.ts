/**
 * The algorithms sshtrail offers, listed explicitly rather than taken from ssh2's defaults: no
 * SHA-1 anywhere (no ssh-rsa signatures, no hmac-sha1, no sha1 kex), no NIST curves (ssh-audit
 * fails them), no encrypt-and-MAC modes, no compression. chacha20-poly1305 first: with ssh2's
 * native binding it is the fastest cipher here, AES-GCM lags (docs/design.md, "Ciphers").
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
