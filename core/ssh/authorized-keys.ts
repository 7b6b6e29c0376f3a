/**
 * authorized_keys files: which public keys may log in as a login. Lines may carry options
 * before the key (`from=...,no-pty ssh-ed25519 AAAA... comment`). sshtrail does not enforce
 * options yet, so such a key is listed apart and refused: a key an operator restricted (to a
 * source address, to one forced command) must never log in unrestricted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Account } from './accounts.js';

const keyTypes =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

/** `%h` home, `%u` login, `%%` percent, as in sshd_config's AuthorizedKeysFile. */
export function expandKeysPath(pattern: string, account: Account): string {
  const path = pattern.replace(/%([hu%])/g, (_, c: string) =>
    c === 'h' ? account.home : c === 'u' ? account.login : '%',
  );
  return path.startsWith('/') ? path : `${account.home}/${path}`;
}

export interface AuthorizedKeys {
  /** Keys on lines without options: these may log in. */
  keys: Buffer[];
  /** Keys on lines with options, which are not enforced: these are refused. */
  restricted: Buffer[];
}

/** Key blobs listed in a file; a missing or unreadable file lists none. */
export async function readAuthorizedKeys(path: string): Promise<AuthorizedKeys> {
  const out: AuthorizedKeys = { keys: [], restricted: [] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    // The key type is the first token that names one; options (possibly quoted) come before it.
    const tokens = t.split(/\s+/);
    const at = tokens.findIndex((tok) => keyTypes.test(tok));
    const b64 = at >= 0 ? tokens[at + 1] : undefined;
    if (b64) (at === 0 ? out.keys : out.restricted).push(Buffer.from(b64, 'base64'));
  }
  return out;
}

/** OpenSSH's fingerprint: "SHA256:" + unpadded base64 of the key blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
