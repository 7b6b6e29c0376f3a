/**
 * sshd's address pattern lists (from="..." in authorized_keys): comma-separated patterns with `*`
 * and `?` wildcards or CIDR blocks, `!` negating one. A negated match denies whatever else matches;
 * otherwise one positive match allows. Only the address is matched: sshtrail does no reverse DNS
 * (as sshd with UseDNS no, its default).
 */
import { BlockList, isIP } from 'node:net';

/** ::ffff:192.0.2.1 (an IPv4 client on a dual-stack socket) is 192.0.2.1. */
export function plainAddress(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? (m[1] as string) : ip;
}

function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matchesOne(pattern: string, ip: string): boolean {
  const slash = pattern.indexOf('/');
  if (slash >= 0) {
    const net = pattern.slice(0, slash);
    const bits = Number(pattern.slice(slash + 1));
    const family = isIP(net);
    const ipFamily = isIP(ip);
    if (!family || family !== ipFamily || !/^\d+$/.test(pattern.slice(slash + 1))) return false;
    if (bits > (family === 4 ? 32 : 128)) return false;
    const list = new BlockList();
    list.addSubnet(net, bits, family === 4 ? 'ipv4' : 'ipv6');
    return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
  }
  return wildcard(pattern).test(ip);
}

export function addressAllowed(patterns: readonly string[], clientIp: string): boolean {
  const ip = plainAddress(clientIp);
  let allowed = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const p = negated ? raw.slice(1) : raw;
    if (!matchesOne(p, ip)) continue;
    if (negated) return false;
    allowed = true;
  }
  return allowed;
}
