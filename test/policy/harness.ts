/**
 * A real server for the policy tests, with the test logins authorized, and the checks they share:
 * `gets` logs in with OpenSSH's ssh and waits for that connection's events; `reconfigure` applies
 * a new config by SIGHUP. The server logs at most 10 alike lines a minute, so a test file makes
 * a few reloads per server (the reload line is how a reload is seen).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type EventRecord, type SshOptions, startServer, type TestServer } from '../helpers/server.js';

const reloaded = /configuration reloaded for new connections/g;

export class PolicyServer {
  /** Event ids already handed to a check: each connection's events are looked at once. */
  private readonly seen = new Set<unknown>();
  /** The auth.failure events of the last refused login of each name. */
  private readonly refusals = new Map<string, EventRecord[]>();

  private constructor(readonly srv: TestServer) {}

  static async start(logins: readonly string[], config: Record<string, unknown> = {}): Promise<PolicyServer> {
    const srv = await startServer({ config });
    const pub = readFileSync(`${srv.keyFile}.pub`, 'utf8');
    for (const l of logins) srv.authorize(l, pub);
    return new PolicyServer(srv);
  }

  async reconfigure(config: Record<string, unknown>): Promise<void> {
    const { srv } = this;
    const before = srv.logs().match(reloaded)?.length ?? 0;
    srv.writeConfig(config);
    srv.signal('SIGHUP');
    const until = Date.now() + 15_000;
    while ((srv.logs().match(reloaded)?.length ?? 0) <= before) {
      if (Date.now() > until) throw new Error(`reload not seen; logs:\n${srv.logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits for events matching `want` not seen before, and returns them (then seen). */
  async fresh(want: (e: EventRecord) => boolean): Promise<EventRecord[]> {
    const pick = (ev: EventRecord[]) => ev.filter((e) => !this.seen.has(e.id) && want(e));
    const out = pick(await this.srv.waitForEvents((ev) => pick(ev).length > 0));
    for (const e of out) this.seen.add(e.id);
    return out;
  }

  /** Logs in and runs `echo in`; true when it got in. Waits for the connection's events. */
  async gets(login: string, o: SshOptions = {}): Promise<boolean> {
    const r = await this.srv.ssh(['echo in'], { login, ...o });
    if (r.code === 0) {
      assert.equal(r.stdout.toString(), 'in\n');
      await this.fresh((e) => e.type === 'session.start' && e.login === login);
      await this.fresh((e) => e.type === 'session.end' && e.login === login);
      return true;
    }
    assert.match(r.stderr, /Permission denied/, r.stderr);
    this.refusals.set(login, await this.fresh((e) => e.type === 'auth.failure' && e.login === login));
    return false;
  }

  /** The auth.failure events of `login`'s last refused connection. */
  failuresFor(login: string): EventRecord[] {
    return this.refusals.get(login) ?? [];
  }
}
