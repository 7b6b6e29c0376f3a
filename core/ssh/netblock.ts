/**
 * The network block an address belongs to, as a string key: the address with every bit past the
 * prefix length cleared (sshd's PerSourceNetBlockSize). An IPv4 client on a dual-stack socket
 * (::ffff:a.b.c.d) counts as its IPv4 address, so one client has one block however it arrived.
 */
import { isIP } from 'node:net';
import { plainAddress } from '../policy/address-match.js';

export type Family = 4 | 6;

export interface Netblock {
  family: Family;
  /** e.g. "192.0.2.0/24" or "2001:db8:0:0:0:0:0:0/64". */
  key: string;
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** Sixteen bytes of an IPv6 address (`::` and an embedded dotted quad allowed). */
function ipv6Bytes(ip: string): number[] {
  const zone = ip.indexOf('%');
  const addr = zone >= 0 ? ip.slice(0, zone) : ip;
  const [head = '', tail] = addr.split('::') as [string, string | undefined];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(g);
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function masked(bytes: number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

/** undefined for something that is not an IP address (it then has no block to count against). */
export function netblock(clientIp: string, ipv4Bits: number, ipv6Bits: number): Netblock | undefined {
  const ip = plainAddress(clientIp);
  const family = isIP(ip);
  if (family === 4) {
    const b = masked(ipv4Bytes(ip), ipv4Bits);
    return { family: 4, key: `${b.join('.')}/${ipv4Bits}` };
  }
  if (family === 6) {
    const b = masked(ipv6Bytes(ip), ipv6Bits);
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
    return { family: 6, key: `${groups.join(':')}/${ipv6Bits}` };
  }
  return undefined;
}
