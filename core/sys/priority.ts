/**
 * The server's scheduling weight. One Node process does every connection's key exchange and
 * authentication, where sshd forks a process per connection; each session runs in its own session
 * (setsid), so the kernel's autogroup scheduler gives every busy session as much CPU as the whole
 * server. 200 root logins whose ~/.bashrc runs for half a second each left the server about 10%
 * of a core and a third of the clients timed out at the banner exchange (docs/design.md, "Logins
 * under load"). So the server, as root, lowers its nice value (every thread, and its autogroup when
 * it leads its own session, as under systemd), and the launcher puts each session back to 0.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '../log.js';
import { procStat } from './proc-stat.js';

export interface PriorityResult {
  /** Threads whose nice value was set. */
  threads: number;
  /** Whether the autogroup's nice value was set too (only when the server leads its session). */
  autogroup: boolean;
}

/**
 * Sets `nice` on every thread of this process (Linux's setpriority(PRIO_PROCESS) applies to one
 * thread; libuv's pool threads started later inherit the value of their creator) and, when the
 * process leads its own session, on its autogroup. An autogroup shared with whoever started the
 * server (an interactive shell) is left alone: it is not ours to raise.
 */
export function raisePriority(nice: number, log: Logger): PriorityResult {
  const result: PriorityResult = { threads: 0, autogroup: false };
  if (process.getuid?.() !== 0 || nice === 0) return result;
  let tids: number[];
  try {
    tids = readdirSync('/proc/self/task').map(Number);
  } catch {
    tids = [process.pid];
  }
  for (const tid of tids) {
    try {
      setPriority(tid, nice);
      result.threads++;
    } catch (err) {
      log.debug('cannot set a thread priority', { tid, error: (err as Error).message });
    }
  }
  if (procStat(process.pid)?.sid === process.pid) {
    try {
      // "/autogroup-N nice X": absent where the kernel has no autogroup support.
      readFileSync('/proc/self/autogroup', 'utf8');
      writeFileSync('/proc/self/autogroup', String(nice));
      result.autogroup = true;
    } catch {
      // No autogroups (or scheduling by cgroup): the thread nice values are what counts.
    }
  }
  log.debug('scheduling priority set', { nice, ...result });
  return result;
}
