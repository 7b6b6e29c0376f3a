/**
 * The options of an authorized_keys line (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"), parsed into
 * what sshtrail enforces. An option sshtrail cannot honour makes the line unusable (refused,
 * with the reason logged): a key an operator restricted must never log in less restricted.
 * sshtrail offers no X11, tunnels or ~/.ssh/rc, so the options that turn those off hold by
 * construction; `restrict` turns off the pty, TCP and agent forwarding unless `pty`,
 * `port-forwarding` or `agent-forwarding` follows.
 */

export interface KeyOptions {
  /** from="pattern-list": the client address must match (negated patterns deny). */
  from?: string[];
  /** command="...": the only command this key may run; the client's is in SSH_ORIGINAL_COMMAND. */
  command?: string;
  /** no-pty (or restrict without pty): pty requests are refused. */
  noPty: boolean;
  /** no-agent-forwarding (or restrict without agent-forwarding): auth-agent-req is refused. */
  noAgentForwarding?: boolean;
  /** expiry-time="YYYYMMDD[HHMM[SS]][Z]": not accepted after this instant. */
  expiresAt?: Date;
  /** no-port-forwarding (or restrict without port-forwarding): no TCP forwarding at all. */
  noPortForwarding?: boolean;
  /** permitopen="host:port[,...]": the only targets of local (-L, -D) forwards. */
  permitOpen?: HostPort[];
  /** permitlisten="[host:]port[,...]": the only addresses remote forwards (-R) may listen on. */
  permitListen?: HostPort[];
}

/** One permitopen/permitlisten entry: port '*' is any port, host '*' any host. */
export interface HostPort {
  host: string;
  port: number | '*';
}

/**
 * "host:port", "[v6]:port" or (permitlisten only) a bare port, which sshd reads as localhost.
 * Returns a message when the entry is malformed.
 */
export function parseHostPort(text: string, hostOptional: boolean): HostPort | string {
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]+)\]:(.+)$/.exec(text);
  const colon = text.lastIndexOf(':');
  if (v6) {
    host = v6[1] as string;
    port = v6[2] as string;
  } else if (colon > 0) {
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
  } else if (hostOptional && colon < 0) {
    host = 'localhost';
    port = text;
  } else return `"${text}" is not host:port`;
  if (port === '*') return { host: host.toLowerCase(), port };
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n > 65535 || (n === 0 && !hostOptional)) return `bad port in "${text}"`;
  return { host: host.toLowerCase(), port: n };
}

export type ParsedOptions = { ok: true; options: KeyOptions } | { ok: false; error: string };

/**
 * Every option sshtrail accepts, and whether it takes a value. Besides the ones it enforces, the
 * forwarding, user-rc and tunnel options are here because what they deny or allow is never offered,
 * and `environment` because sshd ignores it unless PermitUserEnvironment is on (off by default).
 */
const ACCEPTED = new Map<string, 'flag' | 'value'>([
  ['restrict', 'flag'],
  ['no-pty', 'flag'],
  ['pty', 'flag'],
  ['from', 'value'],
  ['command', 'value'],
  ['expiry-time', 'value'],
  ['environment', 'value'],
  ['no-agent-forwarding', 'flag'],
  ['no-port-forwarding', 'flag'],
  ['no-x11-forwarding', 'flag'],
  ['no-user-rc', 'flag'],
  ['agent-forwarding', 'flag'],
  ['port-forwarding', 'flag'],
  ['x11-forwarding', 'flag'],
  ['user-rc', 'flag'],
  ['permitopen', 'value'],
  ['permitlisten', 'value'],
  ['tunnel', 'value'],
]);

/**
 * Splits the options text (everything before the key type) into `name` / `name="value"` items.
 * Commas inside double quotes belong to the value; `\"` is a literal quote, as in sshd.
 */
export function splitOptions(text: string): { name: string; value?: string }[] | string {
  const out: { name: string; value?: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const m = /^[A-Za-z0-9-]+/.exec(text.slice(i));
    if (!m) return `bad option syntax at "${text.slice(i, i + 20)}"`;
    const name = m[0].toLowerCase();
    i += m[0].length;
    let value: string | undefined;
    if (text[i] === '=') {
      if (text[i + 1] !== '"') return `option ${name}: the value must be in double quotes`;
      i += 2;
      value = '';
      for (;;) {
        if (i >= text.length) return `option ${name}: missing closing quote`;
        const c = text[i] as string;
        if (c === '\\' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
    }
    out.push(value === undefined ? { name } : { name, value });
    if (i < text.length) {
      if (text[i] !== ',') return `option ${name}: expected "," after it`;
      i++;
    }
  }
  return out;
}

/** "YYYYMMDD[HHMM[SS]]" in local time, or UTC with a trailing Z (sshd's format). */
export function parseExpiry(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z?)$/.exec(s);
  if (!m) return undefined;
  const n = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, sec] = n;
  const utc = m[7] === 'Z';
  const date = utc ? new Date(Date.UTC(y, mo - 1, d, h, mi, sec)) : new Date(y, mo - 1, d, h, mi, sec);
  // Date rolls 20250231 over into March: a field out of range is an error instead.
  const back = utc
    ? [
        date.getUTCFullYear(),
        date.getUTCMonth() + 1,
        date.getUTCDate(),
        date.getUTCHours(),
        date.getUTCMinutes(),
        date.getUTCSeconds(),
      ]
    : [
        date.getFullYear(),
        date.getMonth() + 1,
        date.getDate(),
        date.getHours(),
        date.getMinutes(),
        date.getSeconds(),
      ];
  return back.every((v, i) => v === n[i]) ? date : undefined;
}

export function parseKeyOptions(text: string): ParsedOptions {
  const items = splitOptions(text);
  if (typeof items === 'string') return { ok: false, error: items };
  const options: KeyOptions = { noPty: false };
  for (const { name, value } of items) {
    const takes = ACCEPTED.get(name);
    // cert-authority, principals, no-touch-required, verify-required and anything unknown: sshd
    // would treat these differently; refusing is the safe reading.
    if (takes === undefined) return { ok: false, error: `option ${name} is not supported by sshtrail` };
    if (takes === 'value' && value === undefined) return { ok: false, error: `option ${name} needs a value` };
    if (takes === 'flag' && value !== undefined) return { ok: false, error: `option ${name} takes no value` };
    switch (name) {
      case 'restrict':
        options.noPty = true;
        options.noPortForwarding = true;
        options.noAgentForwarding = true;
        break;
      case 'no-pty':
        options.noPty = true;
        break;
      case 'no-port-forwarding':
        options.noPortForwarding = true;
        break;
      case 'port-forwarding':
        options.noPortForwarding = false;
        break;
      case 'permitopen':
      case 'permitlisten': {
        const listen = name === 'permitlisten';
        const list = (listen ? options.permitListen : options.permitOpen) ?? [];
        for (const item of (value as string).split(',')) {
          const hp = parseHostPort(item.trim(), listen);
          if (typeof hp === 'string') return { ok: false, error: `option ${name}: ${hp}` };
          list.push(hp);
        }
        if (listen) options.permitListen = list;
        else options.permitOpen = list;
        break;
      }
      case 'no-agent-forwarding':
        options.noAgentForwarding = true;
        break;
      case 'agent-forwarding':
        options.noAgentForwarding = false;
        break;
      case 'pty':
        options.noPty = false;
        break;
      case 'from':
        options.from = (value as string).split(',').filter((p) => p !== '');
        break;
      case 'command':
        if (options.command !== undefined) return { ok: false, error: 'option command given twice' };
        options.command = value as string;
        break;
      case 'expiry-time': {
        const at = parseExpiry(value as string);
        if (!at) return { ok: false, error: `option expiry-time: bad time "${value}"` };
        // Several: the earliest holds.
        if (!options.expiresAt || at < options.expiresAt) options.expiresAt = at;
        break;
      }
      default:
        // Accepted as no-ops (see ACCEPTED).
        break;
    }
  }
  return { ok: true, options };
}
