/**
 * What `serve` prints on stderr when ready: how to connect, in commands that work as printed on a
 * fresh account (no key pair yet, no ~/.ssh, a host key the client has never seen), the host key
 * fingerprints, and where recordings and events go. stdout carries only the listening line.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { expandKeysPath, fingerprint } from '../ssh/authorized-keys.js';

interface HostKey {
  type: string;
  blob: string;
}

/** The generated host keys' public halves; host keys named in the config live elsewhere. */
function hostKeys(dataDir: string): HostKey[] {
  const dir = join(dataDir, 'host_keys');
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.pub'))
      .sort()
      .map((f) => {
        const [type, blob] = readFileSync(join(dir, f), 'utf8').trim().split(/\s+/);
        return { type: type ?? '', blob: blob ?? '' };
      })
      .filter((k) => k.type && k.blob);
  } catch {
    return [];
  }
}

/** Single-quotes a value for a POSIX shell. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface HintInput {
  /** As shown in the listening line: an IPv6 address in brackets. */
  host: string;
  port: number;
  dataDir: string;
  authorizedKeysFile: string;
  /** For tests; the server's own account otherwise. */
  login?: string;
  home?: string;
}

export function connectHint(input: HintInput): string {
  // The account database's home, not $HOME: sshd and ssh both use the passwd entry.
  const me = userInfo();
  const login = input.login ?? me.username;
  const home = input.home ?? me.homedir;
  const bare = input.host.replace(/^\[|\]$/g, '');
  const keysFile = expandKeysPath(input.authorizedKeysFile, { login, home });
  // known_hosts names a non-22 port as [host]:port.
  const knownName = input.port === 22 ? bare : `[${bare}]:${input.port}`;
  const keys = hostKeys(input.dataDir);
  const lines: string[] = [];
  const ownKey = join(home, '.ssh', 'id_ed25519');
  if (!existsSync(keysFile)) {
    lines.push(`first time:  no ${keysFile} yet; authorize a key of yours for ${login}:`);
    if (!existsSync(`${ownKey}.pub`))
      lines.push(
        `             install -d -m 700 ${sq(join(home, '.ssh'))} && ssh-keygen -q -t ed25519 -N '' -f ${sq(ownKey)}`,
      );
    lines.push(
      `             install -d -m 700 ${sq(join(keysFile, '..'))} && cat ${sq(`${ownKey}.pub`)} >> ${sq(keysFile)} && chmod 600 ${sq(keysFile)}`,
    );
  }
  if (keys.length > 0) {
    lines.push(
      `trust:       compare the fingerprints below, then record the host key (or answer "yes" on first connect):`,
    );
    const entries = keys.map((k) => sq(`${knownName} ${k.type} ${k.blob}`)).join(' ');
    const known = join(home, '.ssh', 'known_hosts');
    lines.push(
      `             install -d -m 700 ${sq(join(home, '.ssh'))} && printf '%s\\n' ${entries} >> ${sq(known)}`,
    );
  }
  lines.push(`connect:     ssh -p ${input.port} ${login}@${bare}`);
  for (const k of keys) lines.push(`host key:    ${k.type} ${fingerprint(Buffer.from(k.blob, 'base64'))}`);
  lines.push(
    `recordings:  ${join(input.dataDir, 'recordings')}   (sshtrail recordings --data-dir ${input.dataDir})`,
    `events:      ${join(input.dataDir, 'events', 'audit.ndjson')}`,
  );
  return `${lines.join('\n')}\n`;
}
