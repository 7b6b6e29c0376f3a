/**
 * authorized_keys files: which public keys may log in as a login, and with which options
 * (`from="10.0.0.0/8",command="backup" ssh-ed25519 AAAA... comment`, see key-options.ts).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Account } from './accounts.js';
import { type KeyOptions, parseKeyOptions } from './key-options.js';
import { insecureKeysPath } from './strict-modes.js';

const keyTypes =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

/** `%h` home, `%u` login, `%%` percent, as in sshd_config's AuthorizedKeysFile. */
export function expandKeysPath(pattern: string, account: Pick<Account, 'home' | 'login'>): string {
  const path = pattern.replace(/%([hu%])/g, (_, c: string) =>
    c === 'h' ? account.home : c === 'u' ? account.login : '%',
  );
  return path.startsWith('/') ? path : `${account.home}/${path}`;
}

export interface AuthorizedKey {
  blob: Buffer;
  /** 1-based, for log messages. */
  line: number;
  options: KeyOptions;
  /** Why the line cannot be used (an option sshtrail cannot enforce, bad syntax). */
  unusable?: string;
}

const NO_OPTIONS: KeyOptions = Object.freeze({ noPty: false });

/** Splits a line into its options text (may be empty) and the rest, honouring quotes. */
function splitLine(line: string): { options: string; rest: string } {
  const first = line.split(/\s/, 1)[0] as string;
  if (keyTypes.test(first)) return { options: '', rest: line };
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted && line[i + 1] === '"') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t'))
      return { options: line.slice(0, i), rest: line.slice(i).trim() };
  }
  return { options: line, rest: '' };
}

/** What reading a login's authorized keys file gave. */
export type KeysFile =
  | { ok: true; keys: AuthorizedKey[] }
  /** `missing`: no such file; `unreadable`: any other error; `insecure`: refused by StrictModes. */
  | { ok: false; problem: 'missing' | 'unreadable' | 'insecure'; detail: string };

/**
 * The keys listed in `path`, in file order. With `strict` (sshd's StrictModes, see
 * strict-modes.ts) a file that others could have written is refused. The file is checked through
 * its open descriptor, so a swap between the check and the read is no way around it.
 */
export async function readAuthorizedKeys(
  path: string,
  account: Pick<Account, 'uid' | 'home'>,
  strict: boolean,
): Promise<KeysFile> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO planted in place of the file must not hang the login (as sshd).
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? { ok: false, problem: 'missing', detail: `no authorized keys file ${path}` }
      : { ok: false, problem: 'unreadable', detail: `cannot open ${path}: ${code ?? String(err)}` };
  }
  try {
    const st = await fh.stat();
    if (strict) {
      const why = await insecureKeysPath(path, st, account.uid, account.home);
      if (why) return { ok: false, problem: 'insecure', detail: why };
    }
    if (!st.isFile()) return { ok: false, problem: 'unreadable', detail: `${path} is not a regular file` };
    return { ok: true, keys: parseAuthorizedKeys(await fh.readFile('utf8')) };
  } catch (err) {
    return { ok: false, problem: 'unreadable', detail: `cannot read ${path}: ${String(err)}` };
  } finally {
    await fh.close().catch(() => {});
  }
}

export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const out: AuthorizedKey[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith('#')) return;
    const { options, rest } = splitLine(t);
    const [type, b64] = rest.split(/\s+/);
    if (!type || !keyTypes.test(type) || !b64) return;
    const key: AuthorizedKey = { blob: Buffer.from(b64, 'base64'), line: i + 1, options: NO_OPTIONS };
    if (options) {
      const parsed = parseKeyOptions(options);
      if (parsed.ok) key.options = parsed.options;
      else key.unusable = parsed.error;
    }
    out.push(key);
  });
  return out;
}

/** OpenSSH's fingerprint: "SHA256:" + unpadded base64 of the key blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
