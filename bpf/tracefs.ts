/**
 * tracefs, which libbpf needs to attach the per-syscall tracepoints (it reads their ids from
 * <tracefs>/events/syscalls/...). Distributions with systemd mount it at boot; minimal VMs,
 * container hosts and systems without systemd often do not, and /sys/kernel/tracing is then an
 * empty directory. So, as root, sshtrail mounts it where libbpf looks: /sys/kernel/tracing, or
 * debugfs at /sys/kernel/debug on kernels older than 4.1, which have no /sys/kernel/tracing.
 */
import { existsSync } from 'node:fs';
import { mountAt, mountFailure, readMounts } from '../core/host/mountinfo.js';
import type { Logger } from '../core/log.js';
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, sysAddon } from '../core/sys/index.js';

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS = '/sys/kernel/debug';

export type TracefsResult = { ok: true; mounted?: string } | { ok: false; reason: string };

/** Where tracing is reachable now, or undefined. libbpf prefers debugfs's copy when it exists. */
function tracingDir(): string | undefined {
  if (existsSync(`${DEBUGFS}/tracing/events`)) return `${DEBUGFS}/tracing`;
  if (existsSync(`${TRACEFS}/events`)) return TRACEFS;
  return undefined;
}

/** Makes sure tracefs is mounted; mounts it (and logs one line) when it is not. */
export function ensureTracefs(logger: Logger): TracefsResult {
  if (tracingDir()) return { ok: true };
  const [fstype, target] = existsSync(TRACEFS) ? ['tracefs', TRACEFS] : ['debugfs', DEBUGFS];
  const present = mountAt(readMounts(), target);
  if (present && present.fstype === fstype) {
    return {
      ok: false,
      reason: `${fstype} is mounted at ${target} but has no tracing events (kernel without CONFIG_FTRACE?)`,
    };
  }
  try {
    sysAddon().mount(fstype, target, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, null);
  } catch (err) {
    return {
      ok: false,
      reason: `tracefs is not mounted and sshtrail cannot mount ${fstype} at ${target}: ${mountFailure(err)}; fix: mount -t ${fstype} ${fstype} ${target}`,
    };
  }
  if (!tracingDir())
    return { ok: false, reason: `mounted ${fstype} at ${target}, but it shows no tracing events` };
  logger.info('mounted tracefs (needed to attach the syscall tracepoints)', { fstype, mount: target });
  return { ok: true, mounted: target };
}
