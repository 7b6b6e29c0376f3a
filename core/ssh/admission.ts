/**
 * Who may start an unauthenticated connection: sshd's MaxStartups (random early drop between a
 * start and a full mark), PerSourceMaxStartups with PerSourceNetBlockSize (a limit per address
 * block) and PerSourcePenalties (a block whose connections misbehave is refused for a while).
 * Pure: the clock and the random source are injected, nothing here touches a socket or a timer.
 *
 * Penalties follow sshd's accounting: each offence adds its duration to the block's penalty
 * (starting from now if the last one expired), capped at `max` from now; a block is refused only
 * once what it has accrued reaches `min`, and then until it expires. Why the defaults are what
 * they are: docs/design.md, "Pre-auth admission".
 */

import type { ServerConfig } from '../config/types.js';
import type { FailureReason } from '../events/event.js';
import { addressAllowed } from '../policy/address-match.js';
import { type Family, netblock } from './netblock.js';

export type AuthConfig = ServerConfig['auth'];

/** Why a connection was refused (the auth.failure reason). */
export type Refusal = Extract<
  FailureReason,
  'connection_limit' | 'startups_early_drop' | 'source_limit' | 'source_penalty'
>;

/** What a connection did that earns its block a penalty (sshd's names in comments). */
export type Offence =
  /** authfail: closed after one or more failed authentication attempts. */
  | 'authfail'
  /** noauth: closed without attempting authentication. */
  | 'noauth'
  /** grace-exceeded: did not authenticate within the login grace time. */
  | 'grace_exceeded'
  /** crash, nearest equivalent: sent a packet the protocol layer rejected. */
  | 'protocol_error';

export interface AdmissionClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}

/** One admitted connection; the server tells it what happened, the policy decides the penalty. */
export interface Ticket {
  /** The client made an authentication attempt (not the "none" probe) that failed. */
  failedAttempt(): void;
  /** The login grace time ran out. */
  graceExceeded(): void;
  /** The protocol layer rejected something the client sent. */
  protocolError(): void;
  /** Authenticated: no longer counts as unauthenticated, and earns no authfail/noauth penalty. */
  authenticated(): void;
  /** The connection is gone; returns the offence its block was penalised for, if any. */
  closed(): Offence | undefined;
}

export type Decision =
  | { admitted: true; ticket: Ticket }
  | {
      admitted: false;
      reason: Refusal;
      /** The address block the refusal is about (per-source refusals). */
      block?: string;
      /** Seconds the block stays refused (source_penalty). */
      penaltyLeft?: number;
    };

interface Penalty {
  /** When the penalty ends (ms). */
  expiry: number;
  /** Accrued `min` at some point: refused until expiry. */
  active: boolean;
}

export class AdmissionPolicy {
  private unauthenticated = 0;
  private readonly perBlock = new Map<string, number>();
  private readonly penalties: Record<Family, Map<string, Penalty>> = { 4: new Map(), 6: new Map() };
  /** overflow deny-all: a family's table was full; its non-exempt sources are refused until then. */
  private readonly denyAllUntil: Record<Family, number> = { 4: 0, 6: 0 };

  constructor(
    private config: AuthConfig,
    private readonly clock: AdmissionClock,
  ) {}

  /**
   * A reload's limits apply from the next connection on. The counts of connections already let in
   * and the penalties already accrued stay (a reload is no way around a limit or a penalty); with
   * a new prefix length new connections count in new blocks, the old blocks drain and expire.
   */
  reconfigure(config: AuthConfig): void {
    this.config = config;
  }

  /** Unauthenticated connections now (for logs and tests). */
  get count(): number {
    return this.unauthenticated;
  }

  admit(ip: string): Decision {
    const { config, clock } = this;
    const { per_source: ps } = config;
    const block = netblock(ip, ps.ipv4_prefix, ps.ipv6_prefix);
    const exempt = this.exempt(ip);
    const now = clock.now();

    if (block && !exempt && config.penalties.enabled) {
      const p = this.penalties[block.family].get(block.key);
      if (p && p.expiry <= now) this.penalties[block.family].delete(block.key);
      else if (p?.active) {
        return {
          admitted: false,
          reason: 'source_penalty',
          block: block.key,
          penaltyLeft: (p.expiry - now) / 1000,
        };
      }
      if (this.denyAllUntil[block.family] > now) {
        return {
          admitted: false,
          reason: 'source_penalty',
          block: block.key,
          penaltyLeft: (this.denyAllUntil[block.family] - now) / 1000,
        };
      }
    }
    if (this.unauthenticated >= config.max_unauthenticated)
      return { admitted: false, reason: 'connection_limit' };
    if (
      block &&
      ps.max_unauthenticated > 0 &&
      (this.perBlock.get(block.key) ?? 0) >= ps.max_unauthenticated
    ) {
      return { admitted: false, reason: 'source_limit', block: block.key };
    }
    if (this.earlyDrop()) return { admitted: false, reason: 'startups_early_drop' };

    this.unauthenticated++;
    if (block) this.perBlock.set(block.key, (this.perBlock.get(block.key) ?? 0) + 1);
    return { admitted: true, ticket: this.ticket(block?.key, block?.family, exempt) };
  }

  /**
   * sshd's random early drop: below `start` nothing is refused, from `start` on a new connection is
   * refused with probability rate%, rising linearly to 100% at `max_unauthenticated` (full).
   */
  private earlyDrop(): boolean {
    const { start, rate } = this.config.early_drop;
    const full = this.config.max_unauthenticated;
    if (this.unauthenticated < start || start >= full) return false;
    const p = rate + ((100 - rate) * (this.unauthenticated - start)) / (full - start);
    return this.clock.random() * 100 < p;
  }

  private exempt(ip: string): boolean {
    const list = this.config.penalties.exempt;
    return list.length > 0 && addressAllowed(list, ip);
  }

  private ticket(key: string | undefined, family: Family | undefined, exempt: boolean): Ticket {
    let counted = true;
    let authenticated = false;
    let failed = false;
    let grace = false;
    let protocol = false;
    let done = false;
    const release = () => {
      if (!counted) return;
      counted = false;
      this.unauthenticated--;
      if (key === undefined) return;
      const n = (this.perBlock.get(key) ?? 1) - 1;
      if (n > 0) this.perBlock.set(key, n);
      else this.perBlock.delete(key);
    };
    return {
      failedAttempt: () => {
        failed = true;
      },
      graceExceeded: () => {
        grace = true;
      },
      protocolError: () => {
        protocol = true;
      },
      authenticated: () => {
        authenticated = true;
        release();
      },
      closed: () => {
        release();
        if (done) return undefined;
        done = true;
        // The worst thing the connection did is what it is penalised for.
        const offence: Offence | undefined = protocol
          ? 'protocol_error'
          : authenticated
            ? undefined
            : grace
              ? 'grace_exceeded'
              : failed
                ? 'authfail'
                : 'noauth';
        if (!offence || exempt || key === undefined || family === undefined) return undefined;
        return this.penalise(key, family, offence) ? offence : undefined;
      },
    };
  }

  /** Adds an offence to a block's penalty; false when nothing was recorded. */
  private penalise(key: string, family: Family, offence: Offence): boolean {
    const cfg = this.config.penalties;
    const seconds = cfg[offence];
    if (!cfg.enabled || seconds <= 0) return false;
    const now = this.clock.now();
    const table = this.penalties[family];
    const maxMs = cfg.max * 1000;
    const add = seconds * 1000;
    let p = table.get(key);
    if (p && p.expiry <= now) {
      table.delete(key);
      p = undefined;
    }
    if (!p) {
      if (!this.makeRoom(family, now)) return false;
      p = { expiry: now + Math.min(add, maxMs), active: false };
      table.set(key, p);
    } else {
      p.expiry = Math.min(p.expiry + add, now + maxMs);
    }
    if (p.expiry - now >= cfg.min * 1000) p.active = true;
    return true;
  }

  /**
   * A full table first drops expired entries; then `permissive` lets the penalty that ends soonest
   * go early, `deny-all` records nothing and refuses every non-exempt source until that one ends.
   */
  private makeRoom(family: Family, now: number): boolean {
    const cfg = this.config.penalties;
    const table = this.penalties[family];
    const max = family === 4 ? cfg.max_sources_ipv4 : cfg.max_sources_ipv6;
    if (table.size < max) return true;
    for (const [k, p] of table) if (p.expiry <= now) table.delete(k);
    if (table.size < max) return true;
    let soonest: [string, Penalty] | undefined;
    for (const e of table) if (!soonest || e[1].expiry < soonest[1].expiry) soonest = e;
    if (!soonest) return max > 0;
    if (cfg.overflow === 'permissive') {
      table.delete(soonest[0]);
      return true;
    }
    this.denyAllUntil[family] = Math.max(this.denyAllUntil[family], soonest[1].expiry);
    return false;
  }
}
