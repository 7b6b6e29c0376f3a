/**
 * What runs in a session's cgroup (its whole subtree): process ids and their command names, as
 * the kernel shows them (/proc/<pid>/comm, 15 characters at most). Read for session.end (how
 * many processes linger, or which were killed); a process exiting meanwhile is simply not listed.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CgroupProcess {
  pid: number;
  /** The kernel's command name (comm), or '' when the process went before it could be read. */
  command: string;
}

async function procsOf(dir: string): Promise<number[]> {
  try {
    const text = await readFile(join(dir, 'cgroup.procs'), 'utf8');
    return text.split('\n').filter(Boolean).map(Number);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function subtree(dir: string): Promise<string[]> {
  const dirs = [dir];
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) dirs.push(...(await subtree(join(dir, e.name))));
  return dirs;
}

async function commOf(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).replace(/\n$/, '');
  } catch {
    return '';
  }
}

/** The processes in `dir` and its child cgroups, by pid. */
export async function cgroupProcesses(dir: string): Promise<CgroupProcess[]> {
  const pids: number[] = [];
  for (const d of await subtree(dir)) pids.push(...(await procsOf(d)));
  pids.sort((a, b) => a - b);
  return Promise.all(pids.map(async (pid) => ({ pid, command: await commOf(pid) })));
}
