/**
 * Whether a forward may be opened, and where a remote forward listens: the config's
 * forwarding.tcp and gateway_ports (sshd's AllowTcpForwarding and GatewayPorts) and the
 * authorized_keys options of the key that logged in (no-port-forwarding, restrict, permitopen,
 * permitlisten), read as sshd reads them.
 */
import type { ServerConfig } from '../config/types.js';
import type { HostPort, KeyOptions } from '../ssh/key-options.js';

export type Refusal = 'forwarding_disabled' | 'key_no_port_forwarding' | 'not_permitted';

export type Verdict = { ok: true } | { ok: false; reason: Refusal; why: string };

const allowed: Verdict = { ok: true };

function matches(list: readonly HostPort[], host: string, port: number): boolean {
  const h = host.toLowerCase();
  // sshd compares the names as sent, without resolving them; port 0 (a port the server picks)
  // only matches "*".
  return list.some((e) => (e.host === '*' || e.host === h) && (e.port === '*' || e.port === port));
}

function common(
  config: ServerConfig['forwarding'],
  key: KeyOptions | undefined,
  kind: 'local' | 'remote',
): Verdict | undefined {
  if (config.tcp === 'none' || (config.tcp !== 'all' && config.tcp !== kind))
    return { ok: false, reason: 'forwarding_disabled', why: `forwarding.tcp is ${config.tcp}` };
  if (key?.noPortForwarding)
    return {
      ok: false,
      reason: 'key_no_port_forwarding',
      why: 'the key has no-port-forwarding (or restrict)',
    };
  return undefined;
}

/** direct-tcpip (-L, -D, -J) to host:port. */
export function mayOpen(
  config: ServerConfig['forwarding'],
  key: KeyOptions | undefined,
  host: string,
  port: number,
): Verdict {
  const no = common(config, key, 'local');
  if (no) return no;
  if (key?.permitOpen && !matches(key.permitOpen, host, port))
    return { ok: false, reason: 'not_permitted', why: `the key's permitopen does not name ${host}:${port}` };
  return allowed;
}

/** tcpip-forward (-R) on the address the client asked for. */
export function mayListen(
  config: ServerConfig['forwarding'],
  key: KeyOptions | undefined,
  host: string,
  port: number,
): Verdict {
  const no = common(config, key, 'remote');
  if (no) return no;
  // The client sends "localhost" for -R without an address (ssh(1)), "" for "*".
  if (key?.permitListen && !matches(key.permitListen, host === '' ? '*' : host, port))
    return {
      ok: false,
      reason: 'not_permitted',
      why: `the key's permitlisten does not name ${host || '*'}:${port}`,
    };
  return allowed;
}

/** Where a remote forward listens (sshd's channel_fwd_bind_addr): "*" is every address. */
export function bindAddress(
  gatewayPorts: ServerConfig['forwarding']['gateway_ports'],
  requested: string,
): string {
  if (gatewayPorts === 'no') return '127.0.0.1';
  if (gatewayPorts === 'yes') return '*';
  if (requested === '' || requested === '*') return '*';
  if (requested === 'localhost') return '127.0.0.1';
  return requested;
}
