/**
 * core/session's sessions and core/forward's forwards as the SSH server's ConnectionServices
 * (core/ssh/services.ts), with what they share: the recordings directory (made here, before the
 * first connection), the subsystems detected at start, the live-session notes and the launcher.
 */
import type { ServerConfig } from '../config/types.js';
import type { AuditEmitter } from '../events/emitter.js';
import { ConnectionForwards } from '../forward/forwards.js';
import type { Logger } from '../log.js';
import { ensureRecordingsDir } from '../recording/asciicast.js';
import type { SessionHooks } from '../session/hooks.js';
import { launcherArgs, launcherPath } from '../session/launch.js';
import type { LiveSessions } from '../session/live-sessions.js';
import { ChannelSession } from '../session/session.js';
import { detectSubsystems } from '../session/subsystems.js';
import type { ConnectionServices } from '../ssh/services.js';

export interface ServicesDeps {
  /** The configuration at start: where recordings go and which subsystems to look for. */
  config: ServerConfig;
  emitter: AuditEmitter;
  hooks: SessionHooks;
  log: Logger;
  /** Durable notes of live sessions, for closing them after a crash. */
  live?: LiveSessions;
}

export function connectionServices(deps: ServicesDeps): ConnectionServices {
  const { config, emitter, hooks, log, live } = deps;
  const recordingsDir = ensureRecordingsDir(config.data_dir);
  const subsystems = detectSubsystems(
    config.sftp,
    log,
    config.sftp.enabled || config.match.some((m) => m.set.sftp === true),
  );
  return {
    session: (start, accepted, ended) =>
      new ChannelSession(
        start,
        { config: accepted, emitter, hooks, log, recordingsDir, subsystems, ...(live ? { live } : {}) },
        ended,
      ),
    forwards: (start) => new ConnectionForwards(start, { emitter, hooks, log }),
    launch: (spec) => ({ file: launcherPath(), args: launcherArgs(spec) }),
  };
}
