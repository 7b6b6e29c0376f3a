/**
 * The signals `serve` answers, as sshd does: SIGTERM, SIGINT and SIGQUIT stop the server (sessions
 * ended, recordings and events flushed); SIGHUP reloads the configuration for new connections.
 * Node's default for each of these is to die on the spot, losing what was queued, so every one
 * is handled from the start on, and stays handled: a second stop signal while shutting down, or
 * a SIGHUP then, is logged and otherwise ignored (only SIGKILL cuts a shutdown short; the next
 * start closes what it left, see docs/design.md "Signals").
 */
import type { Logger } from '../log.js';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

export interface ServeSignals {
  /** Resolves with the first stop signal's name. */
  readonly stopped: Promise<string>;
  /**
   * From now on SIGHUP runs `reload`; a SIGHUP that came before (during start-up) runs it once
   * now. Reloads never overlap: each runs to its end before the next signal is looked at.
   */
  onReload(reload: () => void): void;
  /** Removes the handlers (after the server stopped). */
  close(): void;
}

export function handleSignals(log: Logger): ServeSignals {
  let stopping: string | undefined;
  let reload: (() => void) | undefined;
  let pending = false;
  let resolveStop: (sig: string) => void = () => {};
  const stopped = new Promise<string>((r) => {
    resolveStop = r;
  });

  const onStop = (sig: NodeJS.Signals) => {
    if (stopping) {
      log.warn('already shutting down; kill -9 would cut it short and lose queued events', {
        signal: sig,
        first: stopping,
      });
      return;
    }
    stopping = sig;
    resolveStop(sig);
  };
  const onHup = () => {
    if (stopping) {
      log.info('SIGHUP ignored: shutting down');
    } else if (reload) {
      reload();
    } else {
      pending = true;
      log.info('SIGHUP during start-up: reloading once ready');
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, onStop);
  process.on('SIGHUP', onHup);

  return {
    stopped,
    onReload(fn) {
      reload = fn;
      if (pending && !stopping) {
        pending = false;
        fn();
      }
    },
    close() {
      for (const s of STOP_SIGNALS) process.off(s, onStop);
      process.off('SIGHUP', onHup);
    },
  };
}
