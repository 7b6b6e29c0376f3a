/**
 * The data dir holds the host keys, the recordings and the local audit record: whoever can write
 * to it (or replace it, through a writable parent) can impersonate the server or rewrite history.
 * So, as sshd's StrictModes does for a login's keys, the server refuses a data dir that someone
 * else could change: the dir and each of its parents must be owned by root or the server's user
 * and not writable by group or others (a sticky parent like /tmp excepted, where no one can
 * rename another's entry). A missing dir is created 0700; an existing one's mode is the
 * operator's to fix, with the command in the error, rather than changed behind their back.
 */
import { lstatSync, mkdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SshtrailError } from '../errors.js';

const S_ISVTX = 0o1000;

export interface DataDirProblem {
  path: string;
  why: string;
  fix: string;
}

function modeText(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

/** What is wrong with `dir` (which must exist) and its parents, or undefined when it is safe. */
export function dataDirProblem(dir: string, uid: number): DataDirProblem | undefined {
  const real = realpathSync(dir);
  const st = statSync(real);
  if (!st.isDirectory()) return { path: real, why: 'is not a directory', fix: `use a directory` };
  if (st.uid !== uid)
    return {
      path: real,
      why: `is owned by uid ${st.uid}, not the server's (${uid})`,
      fix: `chown ${uid} '${real}'`,
    };
  if (st.mode & 0o022)
    return {
      path: real,
      why: `is writable by ${st.mode & 0o020 ? 'its group' : 'others'} (mode ${modeText(st)})`,
      fix: `chmod 700 '${real}'`,
    };
  for (let p = dirname(real); ; p = dirname(p)) {
    const ps = lstatSync(p);
    if (ps.uid !== 0 && ps.uid !== uid)
      return {
        path: p,
        why: `(a parent of the data dir) is owned by uid ${ps.uid}`,
        fix: `move the data dir`,
      };
    if (ps.mode & 0o022 && !(ps.mode & S_ISVTX))
      return {
        path: p,
        why: `(a parent of the data dir) is writable by group or others without the sticky bit (mode ${modeText(ps)}): the data dir can be replaced`,
        fix: `chmod go-w '${p}'`,
      };
    if (p === '/') break;
  }
  return undefined;
}

/** Throws, naming the path and the fix, when someone else could change the (existing) data dir. */
export function checkDataDir(dir: string): void {
  const problem = dataDirProblem(dir, process.getuid?.() ?? 0);
  if (problem)
    throw new SshtrailError(
      'SSHTRAIL_E_CONFIG',
      `data dir ${problem.path} ${problem.why}; refusing to keep host keys and the audit record there (fix: ${problem.fix})`,
    );
}

/** Creates the data dir (0700) when missing, then refuses it when someone else could change it. */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkDataDir(dir);
}
