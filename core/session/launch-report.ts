/**
 * The launcher's report channel (core/launch/launcher.c, --report-fd): a socket pair whose child
 * end the launcher inherits (node-pty cannot pass descriptors any other way). The launcher sets
 * the login's audit loginuid, writes one line ("ok SESSIONID", "ok -" or "fail WHY") and waits
 * until we answer or close, so that session.start, which carries the kernel's audit session id,
 * is emitted before the login's program runs.
 */
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { sysAddon } from '../sys/index.js';

export type LaunchOutcome =
  /** The loginuid was set; `sessionId` is the kernel's audit session id (absent: none given). */
  | { ok: true; sessionId?: number }
  /** It could not be set (kernel without CONFIG_AUDIT, loginuid immutable): why. */
  | { ok: false; error: string };

/** How long the launcher may take to report before the session goes on without it. */
const REPORT_TIMEOUT_MS = 10_000;

export class LaunchReport {
  private readonly socket: Socket;
  private childOpen = true;

  private constructor(
    ours: number,
    /** The descriptor the launcher inherits (--report-fd). */
    readonly childFd: number,
  ) {
    this.socket = new Socket({ fd: ours, readable: true, writable: true });
    this.socket.on('error', () => {});
  }

  static open(): LaunchReport {
    const [ours, child] = sysAddon().socketPair();
    return new LaunchReport(ours, child);
  }

  /** After the spawn (it inherited the child end, or failed): our copy of it goes. */
  closeChild(): void {
    if (!this.childOpen) return;
    this.childOpen = false;
    closeSync(this.childFd);
  }

  /** The launcher's line; undefined when it ended (or stalled) without one. */
  read(): Promise<LaunchOutcome | undefined> {
    return new Promise((resolve) => {
      let text = '';
      const done = (v: LaunchOutcome | undefined) => {
        clearTimeout(timer);
        this.socket.removeAllListeners('data');
        this.socket.removeAllListeners('end');
        this.socket.removeAllListeners('close');
        resolve(v);
      };
      const timer = setTimeout(() => done(undefined), REPORT_TIMEOUT_MS);
      this.socket.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        const nl = text.indexOf('\n');
        if (nl >= 0 || text.length > 256) done(parse(text.slice(0, nl >= 0 ? nl : 256)));
      });
      this.socket.on('end', () => done(undefined));
      this.socket.on('close', () => done(undefined));
    });
  }

  /** Lets the launcher go on (it also does when the socket closes for any reason). */
  release(): void {
    this.closeChild();
    this.socket.destroy();
  }
}

export function parse(line: string): LaunchOutcome | undefined {
  const m = /^(ok|fail) (.*)$/.exec(line);
  if (!m) return undefined;
  if (m[1] === 'fail') return { ok: false, error: m[2] ?? '' };
  const id = /^\d{1,10}$/.test(m[2] ?? '') ? Number(m[2]) : undefined;
  return id !== undefined && id < 4294967295 ? { ok: true, sessionId: id } : { ok: true };
}

let failureLogged = false;

/**
 * The audit session id for session.start, from the launcher's outcome; a loginuid that could not
 * be set is logged once per server (it holds for every session of this kernel and server).
 */
export function auditSessionId(
  outcome: LaunchOutcome | undefined,
  log: { warn(msg: string, fields?: Record<string, unknown>): void },
): number | undefined {
  if (outcome?.ok) return outcome.sessionId;
  if (outcome && !failureLogged) {
    failureLogged = true;
    log.warn(
      'cannot set the audit loginuid of sessions: auditd and other host tools do not attribute them to their login (logged once)',
      { err: outcome.error },
    );
  }
  return undefined;
}
