/**
 * What /proc/<pid>/stat says about a process: its start time (field 22, clock ticks since boot),
 * which together with the pid names one process for good (a pid alone may be reused), and its
 * parent, process group and session ids, and its terminal's foreground process group.
 */
import { readFileSync } from 'node:fs';

interface Stat {
  ppid: number;
  pgrp: number;
  sid: number;
  /** The foreground process group of the process's controlling terminal (-1: none). */
  tpgid: number;
  start: string;
}

export function procStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp session ... starttime(22)": comm may hold spaces and parentheses.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const start = f[19];
  if (start === undefined) return undefined;
  return { ppid: Number(f[1]), pgrp: Number(f[2]), sid: Number(f[3]), tpgid: Number(f[5]), start };
}

export function processStartTime(pid: number): string | undefined {
  return pid > 0 ? procStat(pid)?.start : undefined;
}
