/**
 * Access policy for one login, resolved once when its account is known (core/ssh/auth.ts), as
 * sshd resolves Match blocks when the user name arrives:
 *
 * - `loginRefusal`: sshd's allowed_user() order, DenyUsers, AllowUsers, DenyGroups, AllowGroups
 *   (groups: the login's primary and supplementary ones, by name).
 * - `resolveLoginPolicy`: the effective per-login settings. For each setting the first `match`
 *   block whose `when` holds and that sets it wins, else the value outside any block (sshd
 *   re-reads its config with only matching Match blocks active, first value kept, then lays that
 *   over the global values). The result is one object the rest of the server reads: auth
 *   (permit_root_login), sessions (force_command, permit_tty, sftp) and forwarding.
 */

import type { MatchBlock, PermitRootLogin, ServerConfig } from '../config/types.js';
import { addressAllowed } from './address-match.js';
import { matchPattern, matchPatternList } from './patterns.js';

/** Who is logging in, as the policy sees it. */
export interface Who {
  login: string;
  /** Names of the login's groups, primary first (see group-names.ts). */
  groups: readonly string[];
  /** The client's address. */
  address: string;
}

export interface LoginPolicy {
  permitRootLogin: PermitRootLogin;
  /** The forced command from the config (access.force_command or a match block); none: undefined. */
  forceCommand?: string;
  permitTty: boolean;
  /** Whether the sftp subsystem may be served to this login. */
  sftp: boolean;
  /** The `forwarding` settings with match blocks laid over them, key by key (read by forwarding). */
  forwarding: Readonly<ServerConfig['forwarding']>;
  /** Names of the match blocks that hold for this login, in config order. */
  matched: string[];
}

/** Whether the config needs the login's group names (they cost a read of /etc/group). */
export function needsGroups(config: Pick<ServerConfig, 'access' | 'match'>): boolean {
  return (
    config.access.allow_groups.length > 0 ||
    config.access.deny_groups.length > 0 ||
    config.match.some((m) => m.when.group !== undefined)
  );
}

/** An AllowUsers/DenyUsers entry: `user` or `user@address-list` (sshd's match_user). */
function userEntryMatches(entry: string, who: Who): boolean {
  const at = entry.indexOf('@');
  if (at < 0) return matchPattern(who.login, entry);
  return (
    matchPattern(who.login, entry.slice(0, at)) && addressAllowed(entry.slice(at + 1).split(','), who.address)
  );
}

function anyGroupMatches(patterns: readonly string[], groups: readonly string[]): string | undefined {
  for (const g of groups) if (patterns.some((p) => matchPattern(g, p))) return g;
  return undefined;
}

/** Why the access lists refuse this login (for auth.failure detail and the log), or undefined. */
export function loginRefusal(access: ServerConfig['access'], who: Who): string | undefined {
  const denied = access.deny_users.find((e) => userEntryMatches(e, who));
  if (denied !== undefined) return `listed in access.deny_users ('${denied}')`;
  if (access.allow_users.length > 0 && !access.allow_users.some((e) => userEntryMatches(e, who)))
    return 'not listed in access.allow_users';
  if (access.deny_groups.length === 0 && access.allow_groups.length === 0) return undefined;
  if (who.groups.length === 0) return 'not in any group (access.allow_groups / deny_groups are set)';
  const deniedGroup = anyGroupMatches(access.deny_groups, who.groups);
  if (deniedGroup !== undefined) return `group ${deniedGroup} is listed in access.deny_groups`;
  if (access.allow_groups.length > 0 && anyGroupMatches(access.allow_groups, who.groups) === undefined)
    return "none of the login's groups is listed in access.allow_groups";
  return undefined;
}

/** sshd's Match: every criterion given must hold. */
export function blockApplies(block: MatchBlock, who: Who): boolean {
  const { user, group, address } = block.when;
  if (user && matchPatternList(who.login, user) !== 1) return false;
  if (group) {
    // ga_match_pattern_list: a group hitting a negated entry fails the criterion.
    const results = who.groups.map((g) => matchPatternList(g, group));
    if (results.includes(-1) || !results.includes(1)) return false;
  }
  if (address && !addressAllowed(address, who.address)) return false;
  return true;
}

export function blockName(block: MatchBlock, index: number): string {
  return block.name ?? `match[${index}]`;
}

function forcedOrNone(v: string | undefined): string | undefined {
  return v === undefined || v === 'none' ? undefined : v;
}

export function resolveLoginPolicy(
  config: Pick<ServerConfig, 'access' | 'match' | 'sftp' | 'forwarding'>,
  who: Who,
): LoginPolicy {
  const { access } = config;
  const applying = config.match
    .map((block, i) => ({ block, name: blockName(block, i) }))
    .filter(({ block }) => blockApplies(block, who));
  const first = <K extends keyof MatchBlock['set']>(key: K): MatchBlock['set'][K] | undefined =>
    applying.find(({ block }) => block.set[key] !== undefined)?.block.set[key];
  // Key by key: the first applying block that sets a forwarding key wins for that key alone.
  const firstForwarding = <K extends keyof ServerConfig['forwarding']>(
    key: K,
  ): ServerConfig['forwarding'][K] =>
    applying.find(({ block }) => block.set.forwarding?.[key] !== undefined)?.block.set.forwarding?.[key] ??
    config.forwarding[key];
  const forwarding: ServerConfig['forwarding'] = {
    agent: firstForwarding('agent'),
    tcp: firstForwarding('tcp'),
    gateway_ports: firstForwarding('gateway_ports'),
  };
  const forced = first('force_command');
  return {
    permitRootLogin: first('permit_root_login') ?? access.permit_root_login,
    ...((): { forceCommand?: string } => {
      const c = forcedOrNone(forced !== undefined ? forced : access.force_command);
      return c === undefined ? {} : { forceCommand: c };
    })(),
    permitTty: first('permit_tty') ?? access.permit_tty,
    sftp: first('sftp') ?? config.sftp.enabled,
    forwarding: Object.freeze(forwarding),
    matched: applying.map(({ name }) => name),
  };
}

/** sshd's IS_INTERNAL_SFTP, and the configured sftp-server named as the forced command. */
export function isSftpOnly(forceCommand: string | undefined, sftpServer: string): boolean {
  if (forceCommand === undefined) return false;
  const c = forceCommand.trim();
  const program = c.split(/\s+/)[0];
  return program === 'internal-sftp' || program === sftpServer;
}
