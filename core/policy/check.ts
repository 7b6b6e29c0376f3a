/**
 * What the config schema cannot say about `access` and `match`: that address patterns are
 * addresses (sshtrail does no reverse DNS, so a host name pattern could never match, and a bad
 * CIDR block is an error in sshd too). Each problem names its key path.
 */
import { isIP } from 'node:net';
import type { ServerConfig } from '../config/types.js';

/** Why `entry` (one address pattern, `!` allowed) is not usable, or undefined. */
export function addressPatternProblem(entry: string): string | undefined {
  const p = entry.startsWith('!') ? entry.slice(1) : entry;
  const slash = p.indexOf('/');
  if (slash >= 0) {
    const net = p.slice(0, slash);
    const bits = p.slice(slash + 1);
    const family = isIP(net);
    if (!family || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128))
      return `'${entry}' is not a CIDR block`;
    return undefined;
  }
  if (!/^[0-9a-fA-F:.*?]+$/.test(p))
    return `'${entry}' is not an address pattern (addresses, * and ? wildcards, CIDR blocks; sshtrail does no DNS)`;
  return undefined;
}

export function accessChecks(cfg: ServerConfig): string[] {
  const out: string[] = [];
  for (const key of ['allow_users', 'deny_users'] as const) {
    cfg.access[key].forEach((entry, i) => {
      const at = entry.indexOf('@');
      if (at < 0) return;
      for (const host of entry.slice(at + 1).split(',')) {
        const why = host === '' ? `'${entry}' has an empty address pattern` : addressPatternProblem(host);
        if (why) out.push(`access.${key}[${i}]: ${why}`);
      }
    });
  }
  cfg.match.forEach((block, i) => {
    block.when.address?.forEach((entry, j) => {
      const why = addressPatternProblem(entry);
      if (why) out.push(`match[${i}].when.address[${j}]: ${why}`);
    });
  });
  return out;
}
