/**
 * Host keys: the files named in the config, or an ed25519 and an RSA-3072 key generated into
 * <data dir>/host_keys on first start (directory 0700, private keys 0600).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SshtrailError } from '../errors.js';
import type { Logger } from '../log.js';

type ParsedKey = ssh2.ParsedKey;

/**
 * ssh2's key generator strips leading zero bytes from an ed25519 public key, so about one key in
 * 256 comes out in a form its own parser (and OpenSSH) rejects (mscdex/ssh2#1390, #1513). A new
 * pair is drawn until both halves parse; a handful of tries is plenty (odds 1/256 each).
 */
function generateUsable(
  type: 'ed25519' | 'rsa',
  opts?: { bits: number },
): { private: string; public: string } {
  for (let attempt = 0; attempt < 16; attempt++) {
    const pair =
      type === 'rsa'
        ? ssh2.utils.generateKeyPairSync('rsa', opts ?? { bits: 3072 })
        : ssh2.utils.generateKeyPairSync('ed25519');
    const priv = ssh2.utils.parseKey(pair.private);
    const pub = ssh2.utils.parseKey(pair.public);
    if (!(priv instanceof Error) && !(pub instanceof Error)) return pair;
  }
  throw new SshtrailError('SSHTRAIL_E_HOST_KEY', `could not generate a usable ${type} host key`);
}

const generated = [
  { file: 'ssh_host_ed25519_key', make: () => generateUsable('ed25519') },
  { file: 'ssh_host_rsa_key', make: () => generateUsable('rsa', { bits: 3072 }) },
];

function parse(file: string, text: string): ParsedKey {
  const key = ssh2.utils.parseKey(text);
  const one = Array.isArray(key) ? key[0] : key;
  if (!one || one instanceof Error) {
    throw new SshtrailError(
      'SSHTRAIL_E_HOST_KEY',
      `${file}: not a usable private key${one instanceof Error ? `: ${one.message}` : ''}`,
    );
  }
  return one;
}

/**
 * ssh2 offers an RSA key under every RSA signature name, ssh-rsa (SHA-1) included even when the
 * algorithm list leaves it out. Handing it one view of the key per SHA-2 name (same key, a
 * different `type`) makes it offer exactly rsa-sha2-512 and rsa-sha2-256; the signature hash
 * still follows the negotiated name.
 */
function expand(key: ParsedKey): ParsedKey[] {
  if (key.type !== 'ssh-rsa') return [key];
  return ['rsa-sha2-512', 'rsa-sha2-256'].map((type) => Object.create(key, { type: { value: type } }));
}

export function loadHostKeys(
  dataDir: string,
  configured: readonly string[] | undefined,
  log: Logger,
): ParsedKey[] {
  const keys: ParsedKey[] = [];
  if (configured?.length) {
    for (const file of configured) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new SshtrailError(
          'SSHTRAIL_E_HOST_KEY',
          `host_keys: cannot read ${file}: ${(err as Error).message}`,
        );
      }
      keys.push(...expand(parse(file, text)));
    }
    return keys;
  }
  const dir = join(dataDir, 'host_keys');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    for (const g of generated) {
      const path = join(dir, g.file);
      if (!existsSync(path)) {
        const pair = g.make();
        writeFileSync(path, pair.private, { mode: 0o600, flag: 'wx' });
        writeFileSync(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 });
        log.info('generated host key', { path });
      }
      chmodSync(path, 0o600);
      keys.push(...expand(parse(path, readFileSync(path, 'utf8'))));
    }
  } catch (err) {
    if (err instanceof SshtrailError) throw err;
    throw new SshtrailError(
      'SSHTRAIL_E_HOST_KEY',
      `cannot create host keys in ${dir}: ${(err as Error).message}`,
    );
  }
  return keys;
}
