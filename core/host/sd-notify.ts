/**
 * systemd readiness (sd_notify(3)) for `Type=notify` units: READY=1 once every listen address is
 * open, RELOADING=1 and READY=1 around a SIGHUP reload, STOPPING=1 at stop. Node has no unix
 * datagram sockets, so each message is sent by the small build/sshtrail-notify helper
 * (core/launch/notify.c), which names the server's pid in its credentials. Without NOTIFY_SOCKET
 * (not started by systemd) nothing is done. The variable is taken out of the server's own
 * environment, as sd_notify's unset_environment asks, so nothing the server starts inherits it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { buildDir } from '../paths.js';

export interface Notifier {
  /** Sends `state` (e.g. "READY=1"); resolves once sent or failed (a failure is logged). */
  notify(state: string): Promise<void>;
}

export function systemdNotifier(log: Logger, env: NodeJS.ProcessEnv = process.env): Notifier {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  if (!socket) return { notify: async () => {} };
  const helper = join(buildDir(), 'sshtrail-notify');
  return {
    notify: (state) =>
      new Promise((resolve) => {
        execFile(
          helper,
          [String(process.pid), state],
          { env: { NOTIFY_SOCKET: socket }, timeout: 5000 },
          (err, _stdout, stderr) => {
            if (err) log.warn('sd_notify failed', { state, socket, err: stderr.trim() || err.message });
            else log.debug('sd_notify sent', { state });
            resolve();
          },
        );
      }),
  };
}
